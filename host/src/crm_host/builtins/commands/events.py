"""``crm-host events``: the dead letters of in-process handlers, and the event stream."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import click
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_host import hookimpl
from crm_host._server.cli import Invocation, configured_options
from crm_host._server.lifecycle import Host
from crm_host.events import journal
from crm_host.events.store import DeadLetter
from crm_host.events.types import EventTypeError, check_pattern, matches
from crm_host.hookspecs import RegisterCommand

# Dead letters listed at most.
LIST_LIMIT = 1000
TAIL_BATCH = 500
TAIL_POLL_SECONDS = 1.0


@click.group("events", help="Inspect the event stream and handlers' dead letters.")
def events() -> None:
    """The group; its commands do the work."""


def _prepared(options: dict[str, Any]) -> Host:
    host = Invocation.of(options).host()
    asyncio.run(host.prepare_schema())
    return host


@events.command("dead-letters", help="List the events handlers failed on every attempt.")
@click.option("--handler", default=None, help="only this handler's (<plugin>.<name>)")
@configured_options
def dead_letters(handler: str | None, **options: Any) -> int:
    host = _prepared(options)
    table: Any = DeadLetter.__table__
    query = select(table).order_by(table.c.id).limit(LIST_LIMIT)
    if handler is not None:
        query = query.where(table.c.handler == handler)
    try:
        with Session(host.engine) as session:
            rows = list(session.execute(query))
    finally:
        host.engine.dispose()
    click.echo("ID  HANDLER  SEQUENCE  EVENT  TYPE  ATTEMPTS  ERROR  TIME  RETRYING")
    for row in rows:
        click.echo(
            f"{row.id}  {row.handler}  {row.sequence}  {row.event_id}  {row.type}  "
            f"{row.attempts}  {row.error}  {row.create_time.isoformat()}  "
            f"{'yes' if row.retry else 'no'}"
        )
    return 0


@events.command("retry", help="Have the handler try a dead letter once more.")
@click.argument("letter", metavar="ID", type=int)
@configured_options
def retry(letter: int, **options: Any) -> int:
    host = _prepared(options)
    table: Any = DeadLetter.__table__
    try:
        with Session(host.engine) as session, session.begin():
            result: Any = session.execute(
                update(table).where(table.c.id == letter).values(retry=True)
            )
            found = result.rowcount == 1
    finally:
        host.engine.dispose()
    if not found:
        click.echo(f"no dead letter has the id {letter}", err=True)
        return 1
    click.echo(
        f"dead letter {letter} is queued: the leading host retries it within "
        "events_poll_interval_seconds; it leaves the list once handled"
    )
    return 0


@events.command("tail", help="Print events as they are numbered, like `kubectl get -w`.")
@click.option("--cursor", default=None, help="start after this cursor (default: from now)")
@click.option("--type", "types", multiple=True, help="only these types or patterns (repeatable)")
@click.option("--follow/--no-follow", default=True, help="keep printing new events")
@configured_options
def tail(cursor: str | None, types: tuple[str, ...], follow: bool, **options: Any) -> int:
    try:
        patterns = [check_pattern(t) for t in types] or ["*"]
    except EventTypeError as exc:
        raise click.BadParameter(str(exc), param_hint="--type") from None
    if cursor is not None and not cursor.isdigit():
        raise click.BadParameter("not a cursor (a number)", param_hint="--cursor")
    host = _prepared(options)
    try:
        with Session(host.engine) as session:
            position = journal.head(session) if cursor is None else int(cursor)
            click.echo("CURSOR  TIME  TYPE  SUBJECT  ID")
            while True:
                batch = journal.read(session, position, TAIL_BATCH)
                session.rollback()
                for event in batch:
                    position = event.sequence
                    if any(matches(p, event.type) for p in patterns):
                        click.echo(
                            f"{event.sequence}  {event.time.isoformat()}  {event.type}  "
                            f"{event.subject}  {event.id}"
                        )
                if len(batch) == TAIL_BATCH:
                    continue
                if not follow:
                    return 0
                time.sleep(TAIL_POLL_SECONDS)
    except KeyboardInterrupt:
        return 0
    finally:
        host.engine.dispose()


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(events)
