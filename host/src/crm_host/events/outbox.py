"""Publishing: an event row written in the caller's own transaction (a transactional outbox).

The event is part of the business transaction: if it rolls back, nothing was
published; once it commits, the event is in the outbox and will be numbered,
handled and watched. After the commit the host's feed is woken at once (on
PostgreSQL every replica's, through NOTIFY, which is itself delivered only
on commit).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import event as orm_event
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from crm_host.events.envelope import source_of
from crm_host.events.store import SUBJECT_MAX_LENGTH, EventRow
from crm_host.events.types import EventTypes

# CloudEvents 1.0: extension names are lower-case letters and digits, at most 20.
EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
RESERVED = frozenset(
    {
        "id",
        "source",
        "specversion",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "dataschema",
        "data",
        "sequence",
    }
)
EXTENSION_MAX_LENGTH = 4096
# Bound on one event's data: events are read back in batches, and watched.
DATA_MAX_BYTES = 256 * 1024
_WOKEN = "crm_host.events.woken"


class PublishError(ValueError):
    """An event that cannot be published (a bug in the publishing code); says why."""


class Publisher:
    """``publish(session, type, subject, data)`` for plugins (and the kit)."""

    def __init__(self, types: EventTypes, notify_channel: Callable[[], str | None]) -> None:
        self.types = types
        self._channel = notify_channel
        # Called after a publishing transaction commits; set by the feed.
        self.on_commit: Callable[[], None] = lambda: None

    def publish(
        self,
        session: Session,
        type: str,
        subject: str,
        data: Message,
        *,
        extensions: Mapping[str, str] | None = None,
    ) -> str:
        """Add an event to ``session``'s transaction; its id.

        ``type`` must be declared and ``data`` an instance of its message;
        ``subject`` is the resource id the event is about.
        """
        declared = self.types.get(type)
        if declared is None:
            raise PublishError(f"event type {type!r} is not declared")
        if not isinstance(data, declared.message):
            raise PublishError(
                f"event type {type} carries {declared.data_type}, not {type_name(data)}"
            )
        if not subject or len(subject) > SUBJECT_MAX_LENGTH:
            raise PublishError(f"an event's subject must be 1 to {SUBJECT_MAX_LENGTH} characters")
        for name, value in (extensions or {}).items():
            if not EXTENSION_NAME.match(name) or name in RESERVED:
                raise PublishError(f"{name!r} is not a CloudEvents extension name of its own")
            if len(value) > EXTENSION_MAX_LENGTH:
                raise PublishError(f"extension {name} is over {EXTENSION_MAX_LENGTH} characters")
        payload = data.SerializeToString()
        if len(payload) > DATA_MAX_BYTES:
            raise PublishError(f"an event's data must be at most {DATA_MAX_BYTES} bytes")
        event_id = str(uuid.uuid4())
        session.execute(
            insert(EventRow).values(
                id=event_id,
                type=type,
                source=source_of(declared.plugin),
                subject=subject,
                time=datetime.now(UTC),
                data=payload,
                data_type=declared.data_type,
                plugin=declared.plugin,
                attributes=dict(extensions) if extensions else None,
            )
        )
        self._wake_after_commit(session)
        return event_id

    def _wake_after_commit(self, session: Session) -> None:
        if session.info.get(_WOKEN):
            return
        session.info[_WOKEN] = True
        channel = self._channel()
        if channel is not None:
            session.execute(select(text("pg_notify(:channel, '')")), {"channel": channel})

        def committed(_session: Any) -> None:
            self.on_commit()

        def ended(_session: Any, *_: Any) -> None:
            session.info.pop(_WOKEN, None)

        orm_event.listen(session, "after_commit", committed, once=True)
        orm_event.listen(session, "after_soft_rollback", ended, once=True)
        orm_event.listen(session, "after_commit", ended, once=True)


def type_name(message: Any) -> str:
    descriptor = getattr(message, "DESCRIPTOR", None)
    return str(descriptor.full_name) if descriptor is not None else type(message).__name__
