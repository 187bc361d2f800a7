"""``crm-host new-plugin NAME``: a complete, working plugin to start from."""

from __future__ import annotations

from pathlib import Path

import click

from crm_host import hookimpl
from crm_host._server import scaffold
from crm_host._server.cli import debug_option
from crm_host.hookspecs import RegisterCommand


@click.command("new-plugin", help="Create a new plugin to start from.")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("plugins"),
    show_default=True,
    help="where to create it",
)
@debug_option
def new_plugin(name: str, directory: Path, debug: bool) -> int:
    root = scaffold.create_plugin(name, directory)
    click.echo(
        f"created {root}; install it with `uv pip install -e {root}` (or add it to your workspace)"
    )
    return 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(new_plugin)
