"""Brute-force throttling of Authenticate, with its state in the shared database.

Each key (an email address, a peer address) counts failed logins. Once a key
reaches its limit within the window, every further attempt must wait a delay
that starts at ``login_backoff_seconds`` and doubles with each failure, capped
at the window; attempts earlier than that are refused. A success clears the
email's count; a window without failures clears any count. Because the counts
live in the database, every replica enforces the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_accounts.models import LoginFailures
from crm_accounts.settings import AccountsSettings


@dataclass(frozen=True)
class Key:
    name: str
    limit: int


def keys(settings: AccountsSettings, email_canonical: str, peer: str) -> list[Key]:
    return [
        Key(f"email:{email_canonical}", settings.login_max_failures),
        Key(f"peer:{peer}", settings.login_peer_max_failures),
    ]


def retry_after(
    session: Session, settings: AccountsSettings, watched: list[Key], now: datetime
) -> float | None:
    """Seconds the caller must wait before trying again, or None if it may try now."""
    window = timedelta(seconds=settings.login_window_seconds)
    waits = []
    for key in watched:
        row = session.get(LoginFailures, key.name)
        if row is None or now - row.last_failure_time > window or row.failures < key.limit:
            continue
        backoff = settings.login_backoff_seconds * 2 ** min(row.failures - key.limit, 30)
        ready = row.last_failure_time + min(timedelta(seconds=backoff), window)
        if ready > now:
            waits.append((ready - now).total_seconds())
    return max(waits) if waits else None


def record_failure(
    session: Session, settings: AccountsSettings, watched: list[Key], now: datetime
) -> None:
    expired = now - timedelta(seconds=settings.login_window_seconds)
    # Both dialects spell the upsert the same way; the host supports only these two.
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for key in watched:
        # One atomic upsert, so concurrent failures on every replica all count.
        statement = upsert(LoginFailures).values(key=key.name, failures=1, last_failure_time=now)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[LoginFailures.key],
                set_={
                    "failures": case(
                        (LoginFailures.last_failure_time < expired, 1),
                        else_=LoginFailures.failures + 1,
                    ),
                    "last_failure_time": now,
                },
            )
        )


def clear(session: Session, key: Key) -> None:
    session.execute(delete(LoginFailures).where(LoginFailures.key == key.name))
