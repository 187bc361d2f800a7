"""Deleting what nobody can use any more: expired sessions and stale login-failure counts.

Every ``purge_interval_seconds`` (and once at start-up) each host deletes
sessions past their ``expire_time`` and login-failure counts whose last
failure is older than ``login_window_seconds`` (throttling ignores those
already). It deletes in batches of :data:`BATCH` rows, one short transaction
each on a worker thread (:meth:`crm_host.Database.transaction`), so neither
the event loop nor other writers wait long. Several replicas may purge at
once: on PostgreSQL a batch skips rows another replica's batch has locked
(``FOR UPDATE SKIP LOCKED``), and SQLite runs one writer at a time anyway. A
round that fails (the database is down, say) is logged, and the next one
tries again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crm_accounts.models import LoginFailures, LoginSession
from crm_accounts.settings import AccountsSettings
from crm_host import Database

logger = logging.getLogger(__name__)

# Rows deleted per transaction.
BATCH = 500


@dataclass(frozen=True)
class Purged:
    """How many rows one round deleted."""

    sessions: int
    login_failures: int


def _delete_batch(
    session: Session, key: InstrumentedAttribute[str], condition: ColumnElement[bool], limit: int
) -> int:
    """Delete at most ``limit`` rows matching ``condition``; how many went."""
    chosen = select(key).where(condition).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Another replica's batch holds its rows: take others, never wait.
        chosen = chosen.with_for_update(skip_locked=True)
    result: Any = session.execute(
        delete(key.class_)
        .where(key.in_(chosen.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


class Purger:
    """Deletes expired sessions and stale login-failure counts, a batch at a time."""

    def __init__(self, database: Database, settings: AccountsSettings, batch: int = BATCH) -> None:
        self._database = database
        self._settings = settings
        self._batch = batch

    async def purge(self, stop: asyncio.Event | None = None) -> Purged:
        """One round: delete batches until none is left (or ``stop`` is set)."""
        now = datetime.now(UTC)
        stale = now - timedelta(seconds=self._settings.login_window_seconds)
        sessions = await self._drain(LoginSession.id, LoginSession.expire_time <= now, stop)
        failures = await self._drain(
            LoginFailures.key, LoginFailures.last_failure_time < stale, stop
        )
        return Purged(sessions, failures)

    async def _drain(
        self,
        key: InstrumentedAttribute[str],
        condition: ColumnElement[bool],
        stop: asyncio.Event | None,
    ) -> int:
        def work(session: Session) -> int:
            return _delete_batch(session, key, condition, self._batch)

        total = 0
        while stop is None or not stop.is_set():
            deleted = await self._database.transaction(work)
            total += deleted
            if deleted < self._batch:
                break
        return total

    async def round(self, stop: asyncio.Event | None = None) -> Purged | None:
        """One round that never raises: what it deleted, or None when it failed (logged)."""
        try:
            purged = await self.purge(stop)
        except Exception as exc:
            # No exception text: a driver's message may quote a whole statement.
            logger.warning(
                "purging expired sessions and login failures failed (%s); retrying in %ds",
                type(exc).__name__,
                self._settings.purge_interval_seconds,
            )
            logger.debug("purging failed", exc_info=True)
            return None
        if purged.sessions or purged.login_failures:
            logger.info(
                "purged %d expired sessions and %d stale login-failure counts",
                purged.sessions,
                purged.login_failures,
            )
        return purged

    async def run(self, stop: asyncio.Event) -> None:
        """A round now and then every ``purge_interval_seconds``, until ``stop`` is set.

        Setting ``stop`` lets a batch in flight finish (it runs on a worker
        thread, which cannot be interrupted) and ends the loop after it.
        """
        interval = self._settings.purge_interval_seconds
        while not stop.is_set():
            await self.round(stop)
            try:
                async with asyncio.timeout(interval):
                    await stop.wait()
            except TimeoutError:
                continue
