"""The kit's own tables: the host's secrets and the request ids it has answered.

They belong to the built-in plugin ``host.kit`` (crm_host.builtins.kit),
which migrates them before any plugin's tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Index, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, stored as naive UTC.

    SQLite has no time zones: storing one form everywhere keeps comparisons
    (keyset pagination, filters) identical on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class HostSecret(Base):
    """A secret every replica shares, made by whichever needs it first (the page-token key)."""

    __tablename__ = "crm_host_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Hex-encoded random bytes.
    value: Mapped[str] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"HostSecret(name={self.name!r})"


class AnsweredRequest(Base):
    """A request made idempotent by its request_id (AIP-155), and the answer it got.

    ``scope`` is the method (``contacts.person/Create``); ``digest`` the
    SHA-256 of the request without its request_id, to tell a retry from a
    reuse of the id with another payload.
    """

    __tablename__ = "crm_host_requests"
    __table_args__ = (Index("ix_crm_host_requests_create_time", "create_time"),)

    scope: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    response: Mapped[bytes] = mapped_column(LargeBinary)
    create_time: Mapped[datetime] = mapped_column(UTCDateTime)
