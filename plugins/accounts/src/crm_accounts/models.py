"""The accounts plugin's tables."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_host.kit import NAMING_CONVENTION, UTCDateTime


class State(enum.StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("state IN ('ACTIVE', 'DISABLED')", name="state"),
        # Keyset pagination walks (sort column, id) in both orders.
        Index("ix_accounts_create_time_id", "create_time", "id"),
        Index("ix_accounts_name_folded_id", "name_folded", "id"),
    )

    # A random UUID4 string: account IDs must not be guessable or sequential.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # casefold(name): filters match names regardless of case on every engine
    # (SQLite's lower() and LIKE fold ASCII only).
    name_folded: Mapped[str] = mapped_column(Text)
    # email-validator's normalized form, kept for display and for sending mail.
    email: Mapped[str] = mapped_column(String(254))
    # Text: casefolding can lengthen an address (ß -> ss) beyond 254 characters.
    email_canonical: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default=State.ACTIVE)
    # Space-separated role names, e.g. "admin".
    roles: Mapped[str] = mapped_column(String(200), default="")
    # Bumped by every change of name, email or state; the etag is derived from it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The CreateAccount request_id (AIP-155) that created the row, if any, and
    # a digest of that request's name and email, so a retry can be told from a
    # reuse of the id even after the account changed.
    create_request_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    create_request_digest: Mapped[str | None] = mapped_column(String(64))
    create_time: Mapped[datetime] = mapped_column(UTCDateTime)
    update_time: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        # Only the id: the hash must never be shown, and names and emails are
        # personal data that would otherwise leak into logs.
        return f"Account(id={self.id!r})"


class LoginSession(Base):
    """An open session; the token itself is never stored, only its SHA-256."""

    __tablename__ = "accounts_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 is enough: tokens carry 256 random bits, nothing to brute-force.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    create_time: Mapped[datetime] = mapped_column(UTCDateTime)
    # Indexed for purging expired sessions (crm_accounts.purge).
    expire_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_used_time: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"LoginSession(id={self.id!r})"


class LoginFailures(Base):
    """Recent failed logins per email address or per peer, shared by every replica."""

    __tablename__ = "accounts_login_failures"

    # "email:<canonical address>|<peer>", "peer:<address>" or "account:<id>".
    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    # Indexed for purging stale counts (crm_accounts.purge).
    last_failure_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Bumped by every change: counting an attempt is a compare-and-swap on it.
    version: Mapped[int] = mapped_column(Integer)


class EmailCollision(Base):
    """An account whose address collided with another's when revision 0003 made keys NFKC.

    The account keeps working: its email_canonical is ``collided:`` plus its
    old key, so it still signs in with the address as it registered it, but
    the canonical key belongs to ``kept_account_id``. A report for operators
    (docs/accounts.md); the row goes with the account.
    """

    __tablename__ = "accounts_email_collisions"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    kept_account_id: Mapped[str] = mapped_column(String(36))
    found_time: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"EmailCollision(account_id={self.account_id!r})"
