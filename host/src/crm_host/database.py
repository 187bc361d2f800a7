"""The shared SQLAlchemy engine, and telling a database outage from a bug."""

from __future__ import annotations

import logging
from typing import Any

import grpc
import sqlalchemy
from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from crm_host.errors import HOST_DOMAIN, ServiceError

log = logging.getLogger("crm_host.database")

DEFAULT_DATABASE_URL = "sqlite:///crm.db"

# A database that does not answer a connection attempt (down, firewalled,
# overloaded) must not hold a worker thread, or the health ping, for libpq's
# default of forever. A URL's own ?connect_timeout= wins.
CONNECT_TIMEOUT_SECONDS = 2
# Waiting for a pooled connection longer than this means the database is too
# slow for the load: answer UNAVAILABLE rather than queue up to the deadline.
POOL_TIMEOUT_SECONDS = 10.0
# What clients are told to wait before retrying a call the outage failed.
RETRY_DELAY_SECONDS = 1.0

# PostgreSQL SQLSTATEs that mean "no usable server", not "bad statement":
# class 08 (connection exception), administrator/crash shutdown, "the
# database system is starting up / shutting down", too many connections.
_POSTGRESQL_OUTAGE_STATES = {"57P01", "57P02", "57P03", "53300"}
# SQLite primary result codes for a file that is busy or cannot be opened;
# SQLITE_ERROR (syntax errors, missing tables) is a bug and stays out.
_SQLITE_OUTAGE_CODES = {5, 6, 14}  # SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN
_NOT_PSYCOPG = object()


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get durable, concurrent-friendly settings."""
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        options["pool_timeout"] = POOL_TIMEOUT_SECONDS
        if "connect_timeout" not in parsed.query:
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    # hide_parameters: statement parameters (password hashes, personal data)
    # must never reach logs or exception messages. pool_pre_ping: after a
    # database restart, pooled connections are dead; replacing them at checkout
    # keeps the first calls after recovery from failing.
    engine = sqlalchemy.create_engine(url, pool_pre_ping=True, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers proceed during a write; synchronous=FULL makes a
        # commit durable before we acknowledge it, even across power loss.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Writers from other threads or processes wait instead of failing at once.
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def ping(engine: Engine) -> None:
    """Raise unless the database answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("SELECT 1"))


def unavailable(exc: BaseException) -> ServiceError | None:
    """The UNAVAILABLE answer when ``exc`` (or what it arose from) is a database outage.

    None for anything else, including database errors that point at a bug
    (a syntax error, a missing table, a constraint violation).
    """
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _is_outage(error):
            log.warning("the database is unavailable: %s", _summary(error))
            return ServiceError(
                code=grpc.StatusCode.UNAVAILABLE,
                message="the database is unavailable; retry shortly",
                reason="DATABASE_UNAVAILABLE",
                domain=HOST_DOMAIN,
                retry_delay=RETRY_DELAY_SECONDS,
            )
        error = error.__cause__ or error.__context__
    return None


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        # The dialect recognised a lost connection (server closed it, terminated it).
        return True
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in _SQLITE_OUTAGE_CODES
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    # psycopg: no SQLSTATE at all means the client could not reach the
    # server (refused, reset, timed out): the server never ran a statement.
    state = getattr(original, "sqlstate", _NOT_PSYCOPG)
    if state is None:
        return True
    return isinstance(state, str) and (state.startswith("08") or state in _POSTGRESQL_OUTAGE_STATES)


def _summary(error: BaseException) -> str:
    """The driver's first line, without the SQL SQLAlchemy appends to it."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error) or type(error).__name__
    return text.splitlines()[0]
