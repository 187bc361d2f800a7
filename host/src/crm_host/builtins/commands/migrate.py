"""``crm-host migrate``: upgrade every loaded plugin's schema, or print the SQL."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import click
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from crm_host import hookimpl
from crm_host._server import migrations
from crm_host._server.cli import Invocation, configured_options
from crm_host._server.lifecycle import HostError
from crm_host._server.plugins import describe
from crm_host.hookspecs import RegisterCommand

log = logging.getLogger("crm_host")


@click.command(
    "migrate", help="Upgrade every loaded plugin's database schema to its latest revision."
)
@click.option("--sql", is_flag=True, help="print the SQL instead of running it")
@configured_options
def migrate(sql: bool, **options: Any) -> int:
    host = Invocation.of(options).host()
    schemas = asyncio.run(host.schemas())
    try:
        if sql:
            migrations.upgrade_all(host.engine, schemas, sql_output=sys.stdout)
            return 0
        for behind in migrations.outdated(host.engine, schemas):
            log.info(
                "upgrading %s from %s to %s",
                behind.schema.plugin.label,
                behind.current,
                behind.head,
            )
        migrations.upgrade_all(host.engine, schemas)
    except (SQLAlchemyError, CommandError) as exc:
        raise HostError(f"cannot migrate {host.engine.url!r}: {describe(exc)}") from exc
    finally:
        host.engine.dispose()
    log.info("every plugin schema is at its latest revision")
    return 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(migrate)
