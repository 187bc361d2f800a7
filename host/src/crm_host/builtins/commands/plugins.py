"""``crm-host plugins``: the loaded plugins and the gRPC services each registers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from crm_host import hookimpl
from crm_host._server.cli import Invocation, configured_options
from crm_host.hookspecs import RegisterCommand


@click.command("plugins", help="List the plugins and their gRPC services.")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--all", "show_all", is_flag=True, help="include the host's built-in plugins")
@configured_options
def plugins(as_json: bool, show_all: bool, **options: Any) -> int:
    host = Invocation.of(options).host()
    try:
        asyncio.run(host.register())
    finally:
        host.engine.dispose()
    shown = [info for info in host.plugins.plugins if show_all or not info.builtin]
    services = {info: [s.full_name for s in host.services if s.plugin == info] for info in shown}
    if as_json:
        rows = [
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "builtin": info.builtin,
                "hooks": host.plugins.hook_names(info),
                "services": names,
            }
            for info, names in services.items()
        ]
        click.echo(json.dumps(rows, indent=2))
        return 0
    table = [("NAME", "DISTRIBUTION", "VERSION", "SERVICES")] + [
        (
            info.name,
            "(built in)" if info.builtin else info.distribution or "-",
            info.version or "-",
            ", ".join(names) or "-",
        )
        for info, names in services.items()
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(plugins)
