"""``crm-host config``: the effective configuration, plugin settings included, validated."""

from __future__ import annotations

import os
from typing import Any

import click

from crm_host import hookimpl
from crm_host._server import config
from crm_host._server.cli import Invocation, host_options
from crm_host.hookspecs import RegisterCommand


@click.command(
    "config",
    help="Print the effective configuration, each value with its source, secrets redacted.",
)
@host_options
def show_config(**options: Any) -> int:
    invocation = Invocation.of(options)
    effective = invocation.config
    # Building the host validates every plugin's settings, as serve would.
    host = invocation.host()
    try:
        plugins = {
            info.name: (
                host.plugin_settings[info.name],
                config.plugin_sources(
                    type(host.plugin_settings[info.name]),
                    effective.settings.plugin_settings.get(info.name, {}),
                    os.environ,
                ),
            )
            for info in host.plugins.plugins
            if not info.builtin
        }
    finally:
        host.engine.dispose()
    click.echo(config.render(effective, plugins))
    loaded = {info.name for info in host.plugins.plugins}
    for name in sorted(set(effective.settings.plugin_settings) - loaded):
        click.echo(f"# settings for plugin {name!r} ignored: it is not loaded", err=True)
    return 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(show_config)
