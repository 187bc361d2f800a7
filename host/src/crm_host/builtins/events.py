"""The event tables and ``crm.events.v1.EventService``, as a built-in plugin.

Watch replays the events after the client's cursor, then follows the host's
feed (crm_host.events.feed), which every watcher of the host shares: a watcher
costs no query of its own unless it is further behind than the feed's buffer.
Each event is sent only to callers holding one of its type's watch roles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc

import crm_host.events
from crm_host import AUTHENTICATED, hookimpl
from crm_host._proto.crm.events.v1 import events_pb2, events_pb2_grpc
from crm_host.auth import Principal, principal
from crm_host.errors import FieldViolation, ServiceError, shown
from crm_host.events import Event, Events, journal, store
from crm_host.events.types import EventType, EventTypeError, check_pattern, matches
from crm_host.hookspecs import RegisterSchema, RegisterService

DESCRIPTOR = events_pb2.DESCRIPTOR.services_by_name["EventService"]
DOMAIN = "crm.events.v1.EventService"
MIGRATIONS = Path(crm_host.events.__file__).parent / "migrations"
# Patterns one Watch may name, and events it reads from the database at once.
MAX_TYPES = 50
READ_BATCH = 200
CURSOR_MAX_LENGTH = 20


def _invalid(field: str, description: str, reason: str) -> ServiceError:
    return ServiceError(
        code=grpc.StatusCode.INVALID_ARGUMENT,
        message=f"{field} {description}",
        reason=reason,
        domain=DOMAIN,
        field_violations=[FieldViolation(field, description, reason)],
    )


def _expired(cursor: int, oldest: int) -> ServiceError:
    return ServiceError(
        code=grpc.StatusCode.OUT_OF_RANGE,
        message="the cursor is older than the events kept; list again and watch from now",
        reason="CURSOR_EXPIRED",
        domain=DOMAIN,
        metadata={"cursor": str(cursor), "oldestCursor": str(max(oldest - 1, 0))},
    )


def may_watch(caller: Principal | None, event_type: EventType) -> bool:
    return caller is not None and any(caller.has_role(r) for r in event_type.watch)


class EventServicer(events_pb2_grpc.EventServiceServicer):  # type: ignore[misc]
    def __init__(self, events: Events) -> None:
        self.events = events

    def _allowed(self, request: Any, caller: Principal | None) -> Callable[[str], bool]:
        """Which event types this Watch sends, from its patterns and the caller's roles."""
        if len(request.types) > MAX_TYPES:
            raise _invalid("types", f"must list at most {MAX_TYPES} types", "TYPES_TOO_MANY")
        patterns = list(request.types) or ["*"]
        for index, pattern in enumerate(patterns):
            try:
                check_pattern(pattern)
            except EventTypeError:
                raise _invalid(
                    f"types[{index}]",
                    f"{shown(pattern)} is not an event type or pattern",
                    "TYPE_INVALID",
                ) from None
            if "*" in pattern:
                continue
            declared = self.events.types.get(pattern)
            if declared is None:
                raise _invalid(
                    f"types[{index}]",
                    f"{shown(pattern)} is not a declared event type",
                    "TYPE_UNKNOWN",
                )
            if not may_watch(caller, declared):
                raise ServiceError(
                    code=grpc.StatusCode.PERMISSION_DENIED,
                    message=f"watching {pattern} needs one of the roles "
                    f"{', '.join(declared.watch)}",
                    reason="WATCH_DENIED",
                    domain=DOMAIN,
                    metadata={"type": pattern},
                )
        visible = {
            t.name
            for t in self.events.types
            if may_watch(caller, t) and any(matches(p, t.name) for p in patterns)
        }
        return visible.__contains__

    async def _start(self, cursor: str) -> int:
        feed = self.events.feed
        if not cursor:
            return feed.head
        if len(cursor) > CURSOR_MAX_LENGTH or not cursor.isdigit():
            raise _invalid("cursor", "is not a cursor from this stream", "CURSOR_INVALID")
        position = int(cursor)
        newest, oldest = await self.events.database.transaction(
            lambda s: (journal.head(s), journal.lowest(s))
        )
        if position > newest:
            raise _invalid("cursor", "is not a cursor from this stream", "CURSOR_INVALID")
        if oldest is not None and position + 1 < oldest:
            raise _expired(position, oldest)
        return position

    async def Watch(self, request: Any, context: Any) -> AsyncIterator[Any]:
        caller = principal(context)
        allowed = self._allowed(request, caller)
        position = await self._start(request.cursor)
        feed = self.events.feed
        heartbeat = self.events.settings.heartbeat
        yield events_pb2.WatchResponse(cursor=str(position), heartbeat=events_pb2.Heartbeat())
        while True:
            if feed.head <= position:
                if not await feed.wait(position, heartbeat):
                    yield events_pb2.WatchResponse(
                        cursor=str(position), heartbeat=events_pb2.Heartbeat()
                    )
                continue
            batch = feed.buffered(position, READ_BATCH)
            if batch is None:
                batch = await self._replay(position, feed.head)
            for event in batch:
                position = event.sequence
                if allowed(event.type):
                    yield events_pb2.WatchResponse(cursor=str(position), event=event.cloud_event())
            if not batch:
                # Nothing the caller may see up to the head.
                position = feed.head

    async def _replay(self, position: int, upto: int) -> list[Event]:
        def read(session: Any) -> tuple[list[Event], int | None]:
            return journal.read(session, position, READ_BATCH, upto=upto), journal.lowest(session)

        batch, oldest = await self.events.database.transaction(read)
        if oldest is not None and position + 1 < oldest:
            raise _expired(position, oldest)
        return batch


class EventsPlugin:
    """The event tables' schema and EventService."""

    def __init__(self, events: Events) -> None:
        self.events = events
        self.servicer = EventServicer(events)

    @hookimpl
    def register_schema(self, register: RegisterSchema) -> None:
        register(metadata=store.Base.metadata, migrations=MIGRATIONS)

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        register(
            servicer=self.servicer,
            add_to_server=events_pb2_grpc.add_EventServiceServicer_to_server,
            descriptor=DESCRIPTOR,
            policies={"Watch": AUTHENTICATED},
            field_max_bytes={"Watch": {"cursor": CURSOR_MAX_LENGTH, "types": 200}},
        )
