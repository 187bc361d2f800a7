"""In-process handlers: each registered handler gets every event its patterns match.

Only the leader (crm_host.events.leader) runs handlers, so with several
replicas on one PostgreSQL database each event is handled by one of them.
Each handler's progress (the sequence of the last event it handled) is a row
of ``crm_event_handlers``, moved on only after the handler returned, and only
if nobody else moved it meanwhile: delivery is at least once (a leader that
dies after a handler returned but before recording it leaves the event to the
next leader), in sequence order per handler.

A handler that raises (or runs past ``events_handler_timeout_seconds``) gets
the same event again after a backoff that doubles from
``events_handler_backoff_seconds``; after ``events_handler_attempts`` failures
the event goes to the dead letters (``crm-host events dead-letters``) and the
handler moves on. ``crm-host events retry ID`` asks the leader to try a dead
letter once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_host.database import Database
from crm_host.events import journal
from crm_host.events.envelope import Event
from crm_host.events.feed import Feed
from crm_host.events.store import HANDLER_MAX_LENGTH, DeadLetter, HandlerProgress
from crm_host.events.types import EventTypeError, EventTypes, check_pattern

log = logging.getLogger("crm_host.events")

Handle = Callable[[Event], Awaitable[None] | None]
HANDLER_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
# Events one handler is given per read.
BATCH = 100
# Dead letters retried per round.
RETRY_BATCH = 10
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class Handler:
    # "<plugin>.<name>": where its progress and dead letters are kept.
    name: str
    patterns: tuple[str, ...]
    handle: Handle
    # False: never dead-letter, retry until it works (the NATS relay).
    dead_letters: bool = True
    max_backoff: float = MAX_BACKOFF


@dataclass(frozen=True)
class HandlerSettings:
    attempts: int
    backoff: float
    timeout: float
    poll_interval: float


class Handlers:
    """Every registered handler, and (on the leader) one task delivering to each."""

    def __init__(
        self, database: Database, feed: Feed, types: EventTypes, settings: HandlerSettings
    ) -> None:
        self.database = database
        self.feed = feed
        self.types = types
        self.settings = settings
        self.handlers: dict[str, Handler] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # On the leader, for metrics: each handler's cursor, and the time of
        # the oldest event it has yet to handle (None when it is caught up).
        self.cursors: dict[str, int] = {}
        self.waiting_since: dict[str, datetime | None] = {}

    def register(
        self,
        plugin: str,
        name: str,
        patterns: Sequence[str],
        handle: Handle,
        *,
        dead_letters: bool = True,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        if not HANDLER_NAME.match(name):
            raise EventTypeError(f"handler name {name[:80]!r} must be lower-case letters, - and _")
        full = f"{plugin}.{name}"
        if len(full) > HANDLER_MAX_LENGTH:
            raise EventTypeError(f"handler name {full[:80]!r} is too long")
        if full in self.handlers:
            raise EventTypeError(f"handler {full} is registered twice")
        if isinstance(patterns, str) or not patterns:
            raise EventTypeError(f"handler {full} needs a list of event types or patterns")
        if not callable(handle):
            raise EventTypeError(f"handler {full} is not callable")
        self.handlers[full] = Handler(
            full, tuple(check_pattern(p) for p in patterns), handle, dead_letters, max_backoff
        )

    def types_of(self, handler: Handler) -> list[str] | None:
        """The declared types ``handler`` gets; None for every type."""
        if "*" in handler.patterns:
            return None
        return [t.name for t in self.types.matching(handler.patterns)]

    async def start(self) -> None:
        """Record where new handlers start (the current head), then deliver."""
        head = self.feed.head
        for handler in self.handlers.values():
            with contextlib.suppress(IntegrityError):
                # Another replica may record the same handler at the same moment.
                await self.database.transaction(
                    functools.partial(_record_start, name=handler.name, head=head)
                )
            self._tasks.append(asyncio.create_task(self._run(handler)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self, handler: Handler) -> None:
        seen = 0
        while True:
            try:
                delay, seen = await self._step(handler)
            except Exception as exc:
                # An outage: the next round tries again.
                log.warning("delivering events to %s failed: %s", handler.name, type(exc).__name__)
                delay = self.settings.poll_interval
            if delay > 0:
                await self.feed.wait(seen, delay)

    async def _step(self, handler: Handler) -> tuple[float, int]:
        """Deliver what is due; (how long to wait at most, the head seen)."""
        poll = self.settings.poll_interval
        if not self.feed.leadership.leading:
            return poll, self.feed.head
        await self._retry_requested(handler)
        found = await self.database.transaction(lambda s: s.get(HandlerProgress, handler.name))
        if found is None:
            return poll, self.feed.head
        progress: HandlerProgress = found
        now = datetime.now(UTC)
        if progress.next_attempt_time is not None and progress.next_attempt_time > now:
            return min(poll, (progress.next_attempt_time - now).total_seconds()), self.feed.head
        upto = self.feed.head
        self.cursors[handler.name] = progress.cursor
        types = self.types_of(handler)
        events: list[Event] = []
        if types is None or types:
            events = await self.database.transaction(
                lambda s: journal.read(s, progress.cursor, BATCH, upto=upto, types=types)
            )
        if not events:
            if upto > progress.cursor:
                await self._save(handler, progress, upto, 0, None)
            self.cursors[handler.name] = upto
            self.waiting_since[handler.name] = None
            return poll, upto
        self.waiting_since[handler.name] = events[0].time
        cursor, attempts = progress.cursor, progress.attempts
        for event in events:
            error = await self._deliver(handler, event)
            if error is None:
                moved = await self._save(handler, progress, event.sequence, 0, None)
            else:
                attempts += 1
                if handler.dead_letters and attempts >= self.settings.attempts:
                    log.error(
                        "handler %s failed on event %s %d times (%s): dead-lettered",
                        handler.name,
                        event.id,
                        attempts,
                        error,
                    )
                    moved = await self._save(
                        handler, progress, event.sequence, 0, None, dead=(event, attempts, error)
                    )
                else:
                    delay = min(
                        handler.max_backoff, self.settings.backoff * 2 ** min(attempts - 1, 30)
                    )
                    log.warning(
                        "handler %s failed on event %s (%s, attempt %d); retrying in %gs, "
                        "%d events waiting",
                        handler.name,
                        event.id,
                        error,
                        attempts,
                        delay,
                        upto - cursor,
                    )
                    later = datetime.now(UTC) + timedelta(seconds=delay)
                    await self._save(handler, progress, cursor, attempts, later)
                    return delay, upto
            if not moved:
                # Another leader moved this handler on: leave it to them.
                return poll, upto
            progress = moved
            cursor, attempts = progress.cursor, 0
            self.cursors[handler.name] = cursor
        return (0.0 if len(events) == BATCH else poll), upto

    async def _deliver(self, handler: Handler, event: Event) -> str | None:
        """None when ``handler`` handled ``event``; else the failure's type name."""
        try:
            async with asyncio.timeout(self.settings.timeout):
                if inspect.iscoroutinefunction(handler.handle):
                    await handler.handle(event)
                else:
                    result = await asyncio.to_thread(handler.handle, event)
                    if inspect.isawaitable(result):
                        await result
        except TimeoutError:
            return "Timeout"
        except Exception as exc:
            log.debug("handler %s raised", handler.name, exc_info=True)
            return type(exc).__name__
        return None

    async def _save(
        self,
        handler: Handler,
        progress: HandlerProgress,
        cursor: int,
        attempts: int,
        next_attempt: datetime | None,
        dead: tuple[Event, int, str] | None = None,
    ) -> HandlerProgress | None:
        """Move ``handler`` on from ``progress``, unless someone else did; the new progress."""
        table: Any = HandlerProgress.__table__

        def work(session: Session) -> HandlerProgress | None:
            result: Any = session.execute(
                update(table)
                .where(
                    table.c.name == handler.name,
                    table.c.cursor == progress.cursor,
                    table.c.attempts == progress.attempts,
                )
                .values(cursor=cursor, attempts=attempts, next_attempt_time=next_attempt)
            )
            if result.rowcount != 1:
                return None
            if dead is not None:
                event, tries, error = dead
                session.execute(
                    insert(DeadLetter).values(
                        handler=handler.name,
                        sequence=event.sequence,
                        event_id=event.id,
                        type=event.type,
                        attempts=tries,
                        error=error[:200],
                        create_time=datetime.now(UTC),
                        retry=False,
                    )
                )
            return HandlerProgress(
                name=handler.name,
                cursor=cursor,
                attempts=attempts,
                next_attempt_time=next_attempt,
            )

        return await self.database.transaction(work)

    async def _retry_requested(self, handler: Handler) -> None:
        """Try once more each dead letter of ``handler`` that was asked to be retried."""
        table: Any = DeadLetter.__table__
        letters = await self.database.transaction(
            lambda s: list(
                s.execute(
                    select(table)
                    .where(table.c.handler == handler.name, table.c.retry.is_(True))
                    .order_by(table.c.id)
                    .limit(RETRY_BATCH)
                )
            )
        )
        for letter in letters:
            event = await self.database.transaction(
                functools.partial(journal.at, sequence=letter.sequence)
            )
            error = "EventExpired" if event is None else await self._deliver(handler, event)

            def settle(session: Session, letter: Any = letter, error: str | None = error) -> None:
                row = table.c.id == letter.id
                if error is None:
                    session.execute(delete(table).where(row))
                else:
                    session.execute(
                        update(table)
                        .where(row)
                        .values(retry=False, attempts=letter.attempts + 1, error=error[:200])
                    )

            await self.database.transaction(settle)
            if error is None:
                log.info("handler %s handled dead letter %d on retry", handler.name, letter.id)
            else:
                log.warning(
                    "handler %s failed dead letter %d again (%s)", handler.name, letter.id, error
                )


def _record_start(session: Session, name: str, head: int) -> None:
    if session.get(HandlerProgress, name) is None:
        session.add(HandlerProgress(name=name, cursor=head, attempts=0, next_attempt_time=None))
        session.flush()
