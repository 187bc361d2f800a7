"""The shared SQLAlchemy engine."""

from __future__ import annotations

import asyncio
import collections
import threading
import weakref
from typing import Any

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import Dialect, Engine, PoolProxiedConnection, Select, event

DEFAULT_DATABASE_URL = "sqlite:///crm.db"


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get durable, concurrent-friendly settings."""
    # hide_parameters: statement parameters (password hashes, personal data)
    # must never reach logs or exception messages. A server connection can go
    # stale (restart, failover), so it is pinged at checkout; a SQLite file
    # cannot, and the ping would double the cost of a point read.
    sqlite = url.startswith("sqlite")
    engine = sqlalchemy.create_engine(url, pool_pre_ping=not sqlite, hide_parameters=True)
    if sqlite:
        event.listen(engine, "connect", _configure_sqlite)
    return engine


class PointRead:
    """A SELECT of at most one row by an indexed key, for the hottest read paths.

    SQLAlchemy spends most of a point read's time around the query (cache
    key, execution context, result object): about ten times what the driver
    takes for it. A PointRead compiles its statement once per dialect with
    SQLAlchemy, then runs it on a driver connection directly and converts
    parameters and results with the columns' own type processors, so the
    values are the ones a Core query would give.

    On SQLite it runs inline on the event loop: such a read takes tens of
    microseconds, and in WAL mode a reader never waits for a writer, so a hop
    to a worker thread would cost more than the query. A server database is a
    network round trip away, so there it runs on a worker thread. Use it for
    nothing that can scan or write.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        self._compiled: dict[str, _CompiledRead] = {}

    async def first(self, engine: Engine, **params: Any) -> Any | None:
        """The row (a named tuple of the selected columns) or None."""
        compiled = self._compiled.get(engine.dialect.name)
        if compiled is None:
            compiled = self._compiled[engine.dialect.name] = _CompiledRead(
                self._statement, engine.dialect
            )
        if engine.dialect.name == "sqlite":
            return compiled.first(engine, params, inline=True)
        return await asyncio.to_thread(compiled.first, engine, params, inline=False)


class _CompiledRead:
    def __init__(self, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self._sql = str(compiled)
        self._dialect = dialect
        self._positions = compiled.positiontup if dialect.positional else None
        self._bind_processors = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        columns = list(statement.selected_columns)
        # A named tuple, so that columns read as attributes, like a Row's;
        # mypy cannot type one made from names known only at run time.
        named_tuple: Any = collections.namedtuple
        self._row = named_tuple("Row", list(statement.selected_columns.keys()))
        self._result_processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def first(self, engine: Engine, params: dict[str, Any], *, inline: bool) -> Any | None:
        for name, process in self._bind_processors.items():
            params[name] = process(params[name])
        arguments = params if self._positions is None else [params[n] for n in self._positions]
        connection = _held_connection(engine) if inline else engine.raw_connection()
        cursor = None
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, arguments)
            row = cursor.fetchone()
        except self._dialect.loaded_dbapi.Error as exc:
            invalidated = self._dialect.is_disconnect(exc, connection.dbapi_connection, cursor)
            if inline:
                _release_held(engine)
            elif invalidated:
                connection.invalidate(exc)
            raise sqlalchemy.exc.DBAPIError.instance(
                self._sql,
                None,
                exc,
                self._dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=self._dialect,
                connection_invalidated=invalidated,
            ) from exc
        finally:
            # Closing the cursor ends the statement, so no read snapshot
            # outlives the call (a SELECT opens no transaction of its own);
            # closing a pooled connection rolls it back.
            if cursor is not None:
                cursor.close()
            if not inline:
                connection.close()
        if row is None:
            return None
        return self._row._make(
            value if process is None else process(value)
            for value, process in zip(row, self._result_processors, strict=True)
        )


# Inline reads keep a connection per engine and event-loop thread: checking
# one out of the pool and back in (with its reset) costs as much as the read.
# Only that thread uses it, and never across an await.
_held: weakref.WeakKeyDictionary[Engine, dict[int, PoolProxiedConnection]] = (
    weakref.WeakKeyDictionary()
)
_held_lock = threading.Lock()


def _held_connection(engine: Engine) -> PoolProxiedConnection:
    connections = _held.get(engine)
    if connections is None:
        with _held_lock:
            connections = _held.get(engine)
            if connections is None:
                connections = _held[engine] = {}
                event.listen(engine, "engine_disposed", _release_all_held)
    thread = threading.get_ident()
    connection = connections.get(thread)
    if connection is None:
        connection = connections[thread] = engine.raw_connection()
    return connection


def _release_held(engine: Engine) -> None:
    """Give back this thread's kept connection (after an error: the next read opens another)."""
    connection = _held.get(engine, {}).pop(threading.get_ident(), None)
    if connection is not None:
        connection.close()


def _release_all_held(engine: Engine) -> None:
    with _held_lock:
        connections = _held.pop(engine, {})
    for connection in connections.values():
        connection.close()


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
