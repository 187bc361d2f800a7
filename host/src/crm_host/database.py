"""The shared SQLAlchemy engine."""

from __future__ import annotations

from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event

DEFAULT_DATABASE_URL = "sqlite:///crm.db"


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get durable, concurrent-friendly settings."""
    # hide_parameters: statement parameters (password hashes, personal data)
    # must never reach logs or exception messages.
    engine = sqlalchemy.create_engine(url, pool_pre_ping=True, hide_parameters=True)
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
