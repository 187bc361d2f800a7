"""``crm-host new-plugin NAME``: a working plugin serving one resource with the kit."""

from __future__ import annotations

from pathlib import Path

import click

from crm_host import hookimpl
from crm_host._server import scaffold
from crm_host._server.cli import debug_option
from crm_host.hookspecs import RegisterCommand


@click.command(
    "new-plugin",
    short_help="Create a plugin serving one kit resource.",
    help="Create a plugin serving one resource with the resource kit, to start from "
    "(docs/writing-a-plugin.md).",
)
@click.argument("name")
@click.option(
    "--resource",
    help="the resource's message name, in CamelCase  [default: NAME in the singular]",
)
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("plugins"),
    show_default=True,
    help="where to create it",
)
@debug_option
def new_plugin(name: str, directory: Path, resource: str | None, debug: bool) -> int:
    root = scaffold.create_plugin(name, directory, resource)
    values = scaffold.substitutions(name, resource)
    click.echo(
        f"created {root}: the service {name}.v1.{values['service']}, serving the resource "
        f"{values['singular']}. In a uv workspace with {directory} as members, "
        f"`uv sync --all-packages` installs it; elsewhere, `uv pip install -e {root}`."
    )
    return 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(new_plugin)
