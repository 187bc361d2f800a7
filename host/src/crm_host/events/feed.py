"""One feed per host: the newest events, read once for every watcher and handler.

The feed wakes when this host commits a publishing transaction, when
PostgreSQL notifies that another replica did (LISTEN/NOTIFY on a connection
of its own), and at the latest every ``events_poll_interval_seconds``. Each
time, the leader first numbers what has been committed; then every host
reads the events after the last one it has, into a bounded buffer that
watchers and handlers read from. Many watchers therefore cost one query per
wake-up, not one each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm_host.events import journal
from crm_host.events.envelope import Event
from crm_host.events.leader import Leadership

log = logging.getLogger("crm_host.events")

# Events kept in memory for watchers that are (nearly) live.
BUFFER_EVENTS = 4096
READ_BATCH = 500
# How long the LISTEN thread waits for a notification before checking it should stop.
LISTEN_TICK = 1.0


class Feed:
    """The newest events of the database, as this host has read them."""

    def __init__(self, engine: Engine, leadership: Leadership, poll_interval: float) -> None:
        self.engine = engine
        self.leadership = leadership
        self.poll_interval = poll_interval
        self.head = 0
        self.buffer: deque[Event] = deque(maxlen=BUFFER_EVENTS)
        self._advanced = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._listening: threading.Thread | None = None
        self._stopping = threading.Event()
        # Called (on the event loop) after each round, leading or not.
        self.on_round: Callable[[], None] = lambda: None

    # -- waking ---------------------------------------------------------------------

    def nudge(self) -> None:
        """Wake the feed; callable from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

    async def wait(self, position: int, within: float) -> bool:
        """Until the head passes ``position``, for ``within`` seconds at most; whether it did."""
        if self.head > position:
            return True
        advanced = self._advanced
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await advanced.wait()
        return self.head > position

    def buffered(self, after: int, limit: int) -> list[Event] | None:
        """The buffered events after ``after``, or None when the buffer no longer has them all."""
        if not self.buffer or self.buffer[0].sequence > after + 1:
            return None if after < self.head else []
        start = max(after + 1 - self.buffer[0].sequence, 0)
        found = [self.buffer[i] for i in range(start, min(len(self.buffer), start + limit))]
        # Numbers are consecutive, so the buffer is too; checked all the same.
        if found and found[0].sequence != max(after + 1, self.buffer[0].sequence):
            return None
        return found

    # -- running ----------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.leadership.prepare)
        self.head = await asyncio.to_thread(self._read_head)
        if self.leadership.channel() is not None:
            self._listening = threading.Thread(
                target=self._listen, name="crm-events-listen", daemon=True
            )
            self._listening.start()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._listening is not None:
            await asyncio.to_thread(self._listening.join, LISTEN_TICK * 5)
            self._listening = None
        await asyncio.to_thread(self.leadership.resign)

    def _read_head(self) -> int:
        with Session(self.engine) as session:
            return journal.head(session)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.round()
            except Exception as exc:
                # An outage: the next round tries again.
                log.warning("reading events failed: %s", type(exc).__name__)

    async def round(self) -> None:
        """Number (when leading) and read what is new."""
        if await asyncio.to_thread(self.leadership.try_lead):
            while await asyncio.to_thread(self._number) == journal.NUMBER_BATCH:
                pass
        while True:
            new = await asyncio.to_thread(self._read, self.head)
            if new:
                self.buffer.extend(new)
                self.head = new[-1].sequence
                advanced, self._advanced = self._advanced, asyncio.Event()
                advanced.set()
            if len(new) < READ_BATCH:
                break
        self.on_round()

    def _number(self) -> int:
        with self.leadership.connect() as connection:
            return journal.number(connection, self.leadership.channel())

    def _read(self, after: int) -> list[Event]:
        with Session(self.engine) as session:
            return journal.read(session, after, READ_BATCH)

    def _listen(self) -> None:
        """LISTEN for other replicas' commits (PostgreSQL), waking the feed on each."""
        channel = self.leadership.channel()
        while not self._stopping.is_set():
            try:
                raw: Any = self.engine.raw_connection()
                # Out of the pool: it stays in LISTEN mode until closed.
                connection = raw.driver_connection
                raw.detach()
                try:
                    connection.autocommit = True
                    quoted = channel.replace('"', '""') if channel else ""
                    connection.execute(f'LISTEN "{quoted}"')
                    while not self._stopping.is_set():
                        for _ in connection.notifies(timeout=LISTEN_TICK, stop_after=1):
                            self.nudge()
                finally:
                    connection.close()
            except Exception as exc:
                log.warning(
                    "listening for events failed, polling meanwhile: %s", type(exc).__name__
                )
                self._stopping.wait(self.poll_interval)
