"""The host's events at run time: one :class:`Events` per host, handed to hooks as ``events``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from crm_host.database import Database
from crm_host.events import journal
from crm_host.events.feed import Feed
from crm_host.events.handlers import Handlers, HandlerSettings
from crm_host.events.leader import Leadership
from crm_host.events.outbox import Publisher
from crm_host.events.relay import RELAY_HANDLER, RELAY_MAX_BACKOFF, JetStreamRelay, RelaySettings
from crm_host.events.types import EventTypes

log = logging.getLogger("crm_host.events")

# Events deleted per purge transaction.
PURGE_BATCH = 1000


@dataclass(frozen=True)
class EventSettings:
    """The host options (docs/configuration.md) the events machinery runs with."""

    poll_interval: float = 1.0
    handler_attempts: int = 5
    handler_backoff: float = 1.0
    handler_timeout: float = 30.0
    retention: float = 7 * 24 * 3600.0
    heartbeat: float = 15.0
    purge_interval: float = 60.0
    # The NATS JetStream relay, when events_url is set.
    relay: RelaySettings | None = None


class Events:
    """Publishing, the declared event types, the feed, the handlers and the purge."""

    def __init__(self, database: Database, settings: EventSettings | None = None) -> None:
        self.database = database
        self.settings = settings or EventSettings()
        self.types = EventTypes()
        self.leadership = Leadership(database.engine)
        self.feed = Feed(database.engine, self.leadership, self.settings.poll_interval)
        self.publisher = Publisher(self.types, self.leadership.channel)
        self.publisher.on_commit = self.feed.nudge
        self.handlers = Handlers(
            database,
            self.feed,
            self.types,
            HandlerSettings(
                attempts=self.settings.handler_attempts,
                backoff=self.settings.handler_backoff,
                timeout=self.settings.handler_timeout,
                poll_interval=self.settings.poll_interval,
            ),
        )
        self.relay: JetStreamRelay | None = None
        if self.settings.relay is not None:
            self.relay = JetStreamRelay(self.settings.relay)
            self.handlers.register(
                "host",
                RELAY_HANDLER,
                ["*"],
                self.relay.handle,
                dead_letters=False,
                max_backoff=RELAY_MAX_BACKOFF,
            )
        self._purging: asyncio.Task[None] | None = None
        self.started = False

    def publish(
        self,
        session: Session,
        type: str,
        subject: str,
        data: Message,
        *,
        extensions: Mapping[str, str] | None = None,
    ) -> str:
        """Publish an event in ``session``'s transaction; its id.

        Nothing is published if the transaction rolls back. ``type`` must be
        declared (hook ``register_event_types``) and ``data`` an instance of
        its message; ``subject`` is the id of the resource it is about.
        """
        return self.publisher.publish(session, type, subject, data, extensions=extensions)

    @property
    def retention(self) -> timedelta:
        return timedelta(seconds=self.settings.retention)

    async def start(self) -> None:
        await self.feed.start()
        await self.feed.round()
        await self.handlers.start()
        if self.settings.purge_interval > 0:
            self._purging = asyncio.create_task(self._purge_forever())
        self.started = True

    async def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        if self._purging is not None:
            self._purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purging
        await self.handlers.stop()
        if self.relay is not None:
            await self.relay.close()
        await self.feed.stop()

    async def purge(self) -> int:
        """Delete events older than the retention, in bounded batches; how many went."""
        before = datetime.now(UTC) - self.retention
        removed = 0
        while True:
            batch = await self.database.transaction(lambda s: journal.purge(s, before, PURGE_BATCH))
            removed += batch
            if batch < PURGE_BATCH:
                return removed

    async def _purge_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.purge_interval)
            if not self.leadership.leading:
                continue
            try:
                removed = await self.purge()
            except Exception as exc:
                log.warning("purging old events failed: %s", type(exc).__name__)
                continue
            if removed:
                log.info("purged %d events older than %s", removed, self.retention)
