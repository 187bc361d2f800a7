"""``crm-host codegen``: Python code from .proto files, or a check that it is current."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm_host import hookimpl
from crm_host._server import codegen as generator
from crm_host._server.cli import debug_option
from crm_host.hookspecs import RegisterCommand


@click.command(
    "codegen", help="Generate Python code from .proto files ([[tool.crm-host.codegen]])."
)
@click.option(
    "--config",
    "pyproject",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("pyproject.toml"),
    show_default=True,
    help="the pyproject.toml holding the targets",
)
@click.option("--check", is_flag=True, help="only report stale output; exit 1 if any")
@debug_option
def codegen(pyproject: Path, check: bool, debug: bool) -> int:
    stale = []
    for target in generator.load_targets(pyproject):
        if check:
            stale += [f"{target.out / name}" for name in generator.stale_files(target)]
        else:
            generator.generate(target, target.out)
            click.echo(f"generated {target.package} in {target.out}")
    for path in stale:
        print(f"stale: {path}", file=sys.stderr)
    if stale:
        print("run `crm-host codegen` to regenerate", file=sys.stderr)
    return 1 if stale else 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(codegen)
