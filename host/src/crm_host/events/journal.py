"""Reading and maintaining the outbox: numbering, reads in order, purging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from crm_host.events.envelope import Event
from crm_host.events.store import EventRow

# Rows numbered per transaction.
NUMBER_BATCH = 1000
_TABLE: Any = EventRow.__table__
_COLUMNS: Any = _TABLE.c
_NUMBER = (
    update(_TABLE).where(_COLUMNS.row_id == bindparam("row")).values(sequence=bindparam("seq"))
)


def number(connection: Connection, channel: str | None) -> int:
    """Number committed unnumbered rows in insert order; how many. Only the leader calls it.

    Commits on ``connection``; on PostgreSQL the commit also wakes every
    replica's feed.
    """
    try:
        rows = [
            row.row_id
            for row in connection.execute(
                select(_COLUMNS.row_id)
                .where(_COLUMNS.sequence.is_(None))
                .order_by(_COLUMNS.row_id)
                .limit(NUMBER_BATCH)
            )
        ]
        if not rows:
            connection.rollback()
            return 0
        top = connection.execute(select(func.max(_COLUMNS.sequence))).scalar() or 0
        connection.execute(
            _NUMBER,
            [{"row": row, "seq": top + i} for i, row in enumerate(rows, 1)],
        )
        if channel is not None:
            connection.execute(select(text("pg_notify(:channel, '')")), {"channel": channel})
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return len(rows)


def head(session: Session | Connection) -> int:
    """The highest sequence given (0 when none)."""
    return int(session.execute(select(func.max(_COLUMNS.sequence))).scalar() or 0)


def lowest(session: Session | Connection) -> int | None:
    """The lowest sequence still kept."""
    found = session.execute(select(func.min(_COLUMNS.sequence))).scalar()
    return None if found is None else int(found)


def read(
    session: Session | Connection,
    after: int,
    limit: int,
    *,
    upto: int | None = None,
    types: Sequence[str] | None = None,
) -> list[Event]:
    """Up to ``limit`` events after sequence ``after`` (and up to ``upto``), in order.

    ``types``: only events of these types (None: every type).
    """
    query = select(EventRow.__table__).where(_COLUMNS.sequence > after)
    if upto is not None:
        query = query.where(_COLUMNS.sequence <= upto)
    if types is not None:
        query = query.where(_COLUMNS.type.in_(list(types)))
    rows = session.execute(query.order_by(_COLUMNS.sequence).limit(limit))
    return [to_event(row) for row in rows]


def at(session: Session | Connection, sequence: int) -> Event | None:
    row = session.execute(select(EventRow.__table__).where(_COLUMNS.sequence == sequence)).first()
    return None if row is None else to_event(row)


def to_event(row: Any) -> Event:
    return Event(
        sequence=row.sequence,
        id=row.id,
        type=row.type,
        source=row.source,
        subject=row.subject,
        time=row.time,
        data=row.data,
        data_type=row.data_type,
        extensions=dict(row.attributes or {}),
    )


def purge(session: Session, before: datetime, batch: int) -> int:
    """Delete at most ``batch`` numbered events older than ``before``; how many.

    The newest event always stays, so numbering continues from it.
    """
    newest = head(session)
    doomed = [
        row.sequence
        for row in session.execute(
            select(_COLUMNS.sequence)
            .where(_COLUMNS.time < before, _COLUMNS.sequence < newest)
            .order_by(_COLUMNS.sequence)
            .limit(batch)
        )
    ]
    if doomed:
        session.execute(delete(_TABLE).where(_COLUMNS.sequence.in_(doomed)))
    return len(doomed)
