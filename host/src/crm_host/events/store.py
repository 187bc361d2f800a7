"""The host's event tables: the outbox, each handler's progress, the dead letters.

They belong to the built-in plugin ``host.events`` (crm_host.builtins.events),
which migrates them with the kit's, before any plugin's tables.

Ordering. A row is inserted by the publishing transaction with no
``sequence``; the one leader (crm_host.events.leader) numbers committed rows
afterwards, in insert order, continuing from the highest number given. On
PostgreSQL a sequence (or identity) value taken at insert time is not commit
ordered: a transaction that inserts row 7 may commit after one that inserted
row 8, and a reader that saw 8 and moved its cursor past 7 would never see 7.
Numbered only once committed, and only by one numberer at a time, the
``sequence`` a reader can see always grows, so ``sequence > cursor`` never
skips a row. Readers never see unnumbered rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_host.kit.store import NAMING_CONVENTION, UTCDateTime

# SQLite auto-increments only an INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")
UNNUMBERED = text("sequence IS NULL")

TYPE_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 500
HANDLER_MAX_LENGTH = 200


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EventRow(Base):
    """One published event: its CloudEvents attributes and its data."""

    __tablename__ = "crm_events"
    __table_args__ = (
        Index("ix_crm_events_sequence", "sequence", unique=True),
        Index("ix_crm_events_time", "time"),
        # What the numberer looks for: committed rows it has not numbered yet.
        Index(
            "ix_crm_events_unnumbered",
            "row_id",
            sqlite_where=UNNUMBERED,
            postgresql_where=UNNUMBERED,
        ),
    )

    # Insert order, for numbering; never shown.
    row_id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    # The global order, given once committed (see the module's docstring).
    sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(TYPE_MAX_LENGTH))
    source: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # The full name of the data's protobuf message type.
    data_type: Mapped[str] = mapped_column(String(TYPE_MAX_LENGTH))
    plugin: Mapped[str] = mapped_column(String(64))
    # CloudEvents extension attributes, by name (strings).
    attributes: Mapped[Any] = mapped_column(JSON, nullable=True)


class HandlerProgress(Base):
    """How far one in-process handler has got, and its failures on the next event."""

    __tablename__ = "crm_event_handlers"

    name: Mapped[str] = mapped_column(String(HANDLER_MAX_LENGTH), primary_key=True)
    # The sequence of the last event handled (or dead-lettered).
    cursor: Mapped[int] = mapped_column(BigInteger)
    # Failed attempts at the event after the cursor.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeadLetter(Base):
    """An event a handler failed on every attempt; ``crm-host events retry`` tries again."""

    __tablename__ = "crm_event_dead_letters"
    __table_args__ = (Index("ix_crm_event_dead_letters_handler", "handler", "retry"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    handler: Mapped[str] = mapped_column(String(HANDLER_MAX_LENGTH))
    sequence: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(TYPE_MAX_LENGTH))
    attempts: Mapped[int] = mapped_column(Integer)
    # The exception's type name: messages may carry data that must not be kept.
    error: Mapped[str] = mapped_column(String(200))
    create_time: Mapped[datetime] = mapped_column(UTCDateTime)
    # Asked to be retried; the handler's leader does it.
    retry: Mapped[bool] = mapped_column(Boolean, default=False)
