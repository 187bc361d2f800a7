"""Brute-force throttling of password checks, with its state in the shared database.

Each key (an email address from one peer, a peer address, an account whose
current password is being checked) counts attempts. An attempt is counted
*before* the password is checked, so parallel guesses cannot all slip past
the limit. Once a key reaches its limit within the window, each further
attempt must wait ``login_backoff_seconds``, doubling per failure and capped
at the window; earlier attempts are refused. A successful check gives its
attempt back (and clears the email's count); a window without failures clears
any count. Counts live in the database, so every replica enforces them.

The email key includes the peer: a stranger guessing at someone's email from
elsewhere cannot lock its owner out, while the per-peer key still bounds what
any one address can try.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_accounts.models import LoginFailures
from crm_accounts.settings import AccountsSettings

# Reading the counts and counting the attempt are separate transactions (a
# compare-and-swap on the row version decides races); this many tries, then
# the caller is asked to retry shortly.
RESERVE_ATTEMPTS = 5


@dataclass(frozen=True)
class Key:
    name: str
    limit: int


def peer_bucket(peer: str) -> str:
    """The address a peer is counted under: IPv6 by /64, as one host gets a whole /64."""
    try:
        address = ipaddress.ip_address(peer.strip("[]"))
    except ValueError:
        return peer
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def login_keys(settings: AccountsSettings, email_canonical: str, peer: str) -> list[Key]:
    bucket = peer_bucket(peer)
    return [
        Key(f"email:{email_canonical}|{bucket}", settings.login_max_failures),
        Key(f"peer:{bucket}", settings.login_peer_max_failures),
    ]


def password_change_keys(settings: AccountsSettings, account_id: str, peer: str) -> list[Key]:
    bucket = peer_bucket(peer)
    return [
        Key(f"account:{account_id}", settings.login_max_failures),
        Key(f"peer:{bucket}", settings.login_peer_max_failures),
    ]


class Conflict(Exception):
    """Another attempt changed a count between reading and counting."""


def retry_after(
    rows: dict[str, LoginFailures], settings: AccountsSettings, keys: list[Key], now: datetime
) -> float | None:
    """Seconds the caller must wait before trying again, or None if it may try now."""
    window = timedelta(seconds=settings.login_window_seconds)
    waits = []
    for key in keys:
        row = rows.get(key.name)
        if row is None or now - row.last_failure_time > window or row.failures < key.limit:
            continue
        backoff = settings.login_backoff_seconds * 2 ** min(row.failures - key.limit, 30)
        ready = row.last_failure_time + min(timedelta(seconds=backoff), window)
        if ready > now:
            waits.append((ready - now).total_seconds())
    return max(waits) if waits else None


def read(engine: Engine, keys: list[Key]) -> dict[str, LoginFailures]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.scalars(
            select(LoginFailures).where(LoginFailures.key.in_([key.name for key in keys]))
        )
        return {row.key: row for row in rows}


def count(
    engine: Engine,
    settings: AccountsSettings,
    keys: list[Key],
    rows: dict[str, LoginFailures],
    now: datetime,
) -> None:
    """Count one attempt on every key, unless a count changed since ``rows`` were read."""
    expired = now - timedelta(seconds=settings.login_window_seconds)
    table = cast(Table, LoginFailures.__table__)
    with engine.begin() as connection:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        for key in keys:
            if rows.get(key.name) is None:
                statement = insert(table).values(
                    key=key.name, failures=1, last_failure_time=now, version=1
                )
                # rowcount is not reported for INSERT here; RETURNING tells
                # whether the row went in or another attempt's did.
                if connection.execute(
                    statement.on_conflict_do_nothing().returning(table.c.key)
                ).first():
                    continue
            counting = (
                update(table)
                .where(table.c.key == key.name)
                .values(
                    failures=case(
                        (table.c.last_failure_time < expired, 1),
                        else_=table.c.failures + 1,
                    ),
                    last_failure_time=now,
                    version=table.c.version + 1,
                )
            )
            # Below the limit, attempts just count, atomically: parallel honest
            # logins do not conflict with each other.
            below = counting.where(
                (table.c.failures < key.limit) | (table.c.last_failure_time < expired)
            )
            if connection.execute(below).rowcount == 1:
                continue
            # At the limit, only the one attempt the backoff allows may count:
            # whoever changed the row first since it was read wins.
            row = rows.get(key.name)
            if row is None:
                raise Conflict
            if connection.execute(counting.where(table.c.version == row.version)).rowcount != 1:
                raise Conflict


def give_back(session: Session, keys: list[Key]) -> None:
    """A successful check: clear the first (email or account) key, return the peer's attempt."""
    first, *others = keys
    session.execute(delete(LoginFailures).where(LoginFailures.key == first.name))
    for key in others:
        session.execute(
            update(LoginFailures)
            .where(LoginFailures.key == key.name, LoginFailures.failures > 0)
            .values(failures=LoginFailures.failures - 1, version=LoginFailures.version + 1)
        )
