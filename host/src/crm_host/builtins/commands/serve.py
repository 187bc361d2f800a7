"""``crm-host serve``: run the gRPC host, in this process or as ``--workers N``."""

from __future__ import annotations

from typing import Any

import click

from crm_host import hookimpl
from crm_host._server import workers
from crm_host._server.cli import Invocation, host_options
from crm_host.hookspecs import RegisterCommand


@click.command("serve", help="Run the gRPC host until SIGTERM or SIGINT.")
@host_options
def serve(**options: Any) -> int:
    invocation = Invocation.of(options)
    effective = invocation.config
    host = invocation.host()
    if effective["workers"] == 1:
        workers.run(host)
        return 0
    return workers.supervise(
        host,
        invocation.selected,
        effective["workers"],
        effective["log_format"],
        invocation.log_level,
    )


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(serve)
