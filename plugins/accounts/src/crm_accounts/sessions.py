"""Login sessions: opaque bearer tokens of which only a hash is stored.

A token is 256 random bits (URL-safe base64). The database keeps its SHA-256,
so a leaked table yields no usable token; a plain fast hash is enough because
nothing about a random 256-bit value can be guessed.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, insert, literal, select, update
from sqlalchemy.orm import Session

from crm_accounts.models import Account, LoginSession, State
from crm_host import Database, Principal

# last_used_time is written at most this often per session: a write per call
# would turn every authenticated read into a database write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    id: str
    account_id: str
    create_time: datetime
    expire_time: datetime
    last_used_time: datetime

    @classmethod
    def of(cls, row: LoginSession) -> SessionRecord:
        return cls(row.id, row.account_id, row.create_time, row.expire_time, row.last_used_time)


def open_session(
    session: Session, account_id: str, password_hash: str, ttl: timedelta
) -> tuple[str, SessionRecord] | None:
    """Open a session for ``account_id``: its token (shown once) and record.

    Only while the account is ACTIVE and still has ``password_hash``, checked
    in the same statement that inserts: a password change or a disable that
    commits meanwhile leaves no session behind (None).
    """
    if session.get_bind().dialect.name == "postgresql":
        # Wait for a concurrent password change or disable to finish first.
        session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    record = SessionRecord(str(uuid.uuid4()), account_id, now, now + ttl, now)
    values = {
        "id": record.id,
        "account_id": account_id,
        "token_hash": token_hash(token),
        "create_time": record.create_time,
        "expire_time": record.expire_time,
        "last_used_time": record.last_used_time,
    }
    columns = [getattr(LoginSession, name) for name in values]
    source = select(
        *(
            literal(value, type_=column.type)
            for value, column in zip(values.values(), columns, strict=True)
        )
    ).where(
        Account.id == account_id,
        Account.password_hash == password_hash,
        Account.state == State.ACTIVE,
    )
    # RETURNING, not rowcount: INSERT does not report rowcount on every driver.
    inserted = session.execute(
        insert(LoginSession).from_select(list(values), source).returning(LoginSession.id)
    ).first()
    return (token, record) if inserted is not None else None


def list_sessions(session: Session, account_id: str) -> list[SessionRecord]:
    rows = session.scalars(
        select(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.expire_time > datetime.now(UTC))
        .order_by(LoginSession.create_time, LoginSession.id)
    )
    return [SessionRecord.of(row) for row in rows]


def revoke(session: Session, session_id: str, account_id: str | None = None) -> int:
    """End one session (optionally only if it belongs to ``account_id``); return how many ended."""
    statement = delete(LoginSession).where(LoginSession.id == session_id)
    if account_id is not None:
        statement = statement.where(LoginSession.account_id == account_id)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def revoke_all(session: Session, account_id: str, keep: str | None = None) -> None:
    """End every session of ``account_id`` except ``keep``."""
    statement = delete(LoginSession).where(LoginSession.account_id == account_id)
    if keep is not None:
        statement = statement.where(LoginSession.id != keep)
    session.execute(statement)


# Every authenticated call runs it: the hottest read there is.
_RESOLVE = (
    select(
        LoginSession.id,
        LoginSession.expire_time,
        LoginSession.last_used_time,
        Account.id.label("account_id"),
        Account.state,
        Account.roles,
    )
    .join(Account, Account.id == LoginSession.account_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


class SessionAuthenticator:
    """The host's authenticator for accounts' session tokens."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._engine = database.engine

    async def __call__(self, token: str) -> Principal | None:
        found = await self._database.read_row(_RESOLVE, token_hash=token_hash(token))
        now = datetime.now(UTC)
        if found is None or found.expire_time <= now or found.state != State.ACTIVE:
            return None
        if now - found.last_used_time >= LAST_USED_RESOLUTION:
            # A write may wait for the database's write lock: never on the event loop.
            await asyncio.to_thread(self._touch, found.id, now)
        return Principal(
            account_id=found.account_id,
            roles=frozenset(found.roles.split()),
            credential_id=found.id,
        )

    def _touch(self, session_id: str, now: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(LoginSession).where(LoginSession.id == session_id).values(last_used_time=now)
            )
