"""The shared SQLAlchemy engine, and telling a database outage from a bug."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import stat
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import sqlalchemy
from sqlalchemy import Dialect, Engine, PoolProxiedConnection, Select, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from crm_host.errors import HOST_DOMAIN, ServiceError

log = logging.getLogger("crm_host._server.store")

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


class DatabaseUrlError(Exception):
    """The database URL names a dialect or driver that cannot be used; ``str()`` is one line.

    It never contains the URL itself, which may hold a password.
    """


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get durable, concurrent-friendly settings.

    A SQLite file that does not exist yet is created readable by its owner
    only (see :func:`_private_sqlite_file`).
    """
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        options["pool_timeout"] = POOL_TIMEOUT_SECONDS
        if "connect_timeout" not in parsed.query:
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    # hide_parameters: statement parameters (password hashes, personal data)
    # must never reach logs or exception messages. pool_pre_ping: after a
    # database restart, pooled connections are dead; replacing them at checkout
    # keeps the first calls after recovery from failing. A SQLite file cannot
    # go stale, and there the ping would double the cost of a point read.
    sqlite = parsed.get_backend_name() == "sqlite"
    try:
        engine = sqlalchemy.create_engine(
            url, pool_pre_ping=not sqlite, hide_parameters=True, **options
        )
    except sa_exc.NoSuchModuleError:
        raise DatabaseUrlError(
            f"database_url: SQLAlchemy has no database dialect or driver "
            f"{parsed.drivername!r} (for example sqlite or postgresql+psycopg)"
        ) from None
    except ImportError as exc:
        raise DatabaseUrlError(
            f"database_url: the driver of {parsed.drivername!r} is not installed "
            f"(no module named {exc.name!r})"
        ) from None
    if sqlite:
        _private_sqlite_file(parsed)
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _private_sqlite_file(url: URL) -> None:
    """Create ``url``'s SQLite file with mode 0600 unless it exists; warn if others can read it.

    The database holds password hashes and the page-token key, and SQLite
    would create it as the umask allows (usually 0644). SQLite gives its -wal
    and -shm files the database file's own mode. An existing file is left as
    it is: its owner chose its mode.
    """
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        descriptor = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(os.stat(database).st_mode)
        if mode & 0o077:
            log.warning(
                "the SQLite database %s can be read by group or others (mode %04o), and it "
                "holds password hashes and keys: make it private (chmod 600)",
                database,
                mode,
            )
        return
    except OSError:
        # A missing directory, say: SQLite reports it when it opens the file.
        return
    os.close(descriptor)


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
    network round trip away, so there it runs on a few reading threads of
    the engine's own. Use it for nothing that can scan or write.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        # By dialect and driver: each has its own paramstyle and errors.
        self._compiled: dict[tuple[str, str], _CompiledRead] = {}

    async def first(self, engine: Engine, **params: Any) -> Any | None:
        """The row (a named tuple of the selected columns) or None."""
        dialect = engine.dialect
        compiled = self._compiled.get((dialect.name, dialect.driver))
        if compiled is None:
            compiled = self._compiled[dialect.name, dialect.driver] = _CompiledRead(
                self._statement, dialect
            )
        reads = _reads_of(engine)
        if reads.executor is None:
            return compiled.first(engine, params)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(reads.executor, compiled.first, engine, params)


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
        self._columns = list(statement.selected_columns)
        # A named tuple, so that columns read as attributes, like a Row's;
        # mypy cannot type one made from names known only at run time.
        named_tuple: Any = collections.namedtuple
        self._row = named_tuple("Row", list(statement.selected_columns.keys()))
        # Only the columns that need converting, by position; made on the
        # first fetch, from the driver's type codes (psycopg's numeric types
        # need them to choose a conversion).
        self._result_processors: list[tuple[int, Callable[[Any], Any]]] | None = None

    def _processors(self, description: Any) -> list[tuple[int, Callable[[Any], Any]]]:
        dialect = self._dialect
        found: list[tuple[int, Callable[[Any], Any]]] = []
        for position, column in enumerate(self._columns):
            type_code = description[position][1] if description else None
            processor = column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            if processor is not None:
                found.append((position, processor))
        return found

    def first(self, engine: Engine, params: dict[str, Any]) -> Any | None:
        for name, process in self._bind_processors.items():
            params[name] = process(params[name])
        arguments = params if self._positions is None else [params[n] for n in self._positions]
        try:
            row = self._fetch(_held_connection(engine), arguments)
        except sa_exc.DBAPIError as exc:
            _release_held(engine, invalidate=exc.connection_invalidated)
            if not exc.connection_invalidated:
                raise
            # A kept connection may have died with a database restart: a read
            # is safe to repeat once on a new one.
            row = self._fetch(_held_connection(engine), arguments)
        if row is None:
            return None
        values = list(row)
        assert self._result_processors is not None, "set by the fetch"
        for position, convert in self._result_processors:
            values[position] = convert(values[position])
        return self._row._make(values)

    def _fetch(self, connection: PoolProxiedConnection, arguments: Any) -> Any:
        cursor = None
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, arguments)
            if self._result_processors is None:
                self._result_processors = self._processors(cursor.description)
            return cursor.fetchone()
        except self._dialect.loaded_dbapi.Error as exc:
            raise _wrapped(
                exc, self._dialect, self._sql, connection.dbapi_connection, cursor
            ) from exc
        finally:
            # Closing the cursor ends the statement: the connection is in
            # autocommit, so no read snapshot outlives the call.
            if cursor is not None:
                cursor.close()


# Point reads keep a connection per engine and thread (the event loop's on
# SQLite, a few threads of their own elsewhere), in autocommit: a pool
# checkout, its ping and the rollback on checkin cost more than the read (on
# PostgreSQL, two extra round trips). Only its thread uses it, and never
# across an await.
POINT_READ_THREADS = 4
# How long an inline SQLite read may wait for a lock (WAL readers rarely
# must): the event loop waits with it. Past it the call is UNAVAILABLE.
INLINE_BUSY_TIMEOUT_MS = 250


def _wrapped(
    error: Any, dialect: Dialect, sql: str | None, connection: Any, cursor: Any
) -> sa_exc.StatementError:
    """A driver error as a Core query would raise it, so that an outage is recognised."""
    wrapped: sa_exc.StatementError = sa_exc.DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        dialect=dialect,
        connection_invalidated=dialect.is_disconnect(error, connection, cursor),
    )
    return wrapped


class _EngineReads:
    """One engine's kept connections, and the threads that read on a server database."""

    def __init__(self, engine: Engine) -> None:
        self.connections: dict[int, PoolProxiedConnection] = {}
        self.lock = threading.Lock()
        # None on SQLite, where reads run inline. Bounded, so that kept
        # connections never take the pool from transactions.
        self.executor = (
            None
            if engine.dialect.name == "sqlite"
            else ThreadPoolExecutor(POINT_READ_THREADS, thread_name_prefix="crm-point-read")
        )


def _reads_of(engine: Engine) -> _EngineReads:
    # On the engine itself rather than in a module-level mapping: the kept
    # connections refer back to the engine, and a mapping would keep it alive.
    reads: _EngineReads | None = engine.__dict__.get("_crm_point_reads")
    if reads is None:
        with _reads_lock:
            reads = engine.__dict__.get("_crm_point_reads")
            if reads is None:
                reads = _EngineReads(engine)
                engine.__dict__["_crm_point_reads"] = reads
                event.listen(engine, "engine_disposed", _release_all_held)
    return reads


_reads_lock = threading.Lock()


def _held_connection(engine: Engine) -> PoolProxiedConnection:
    reads = _reads_of(engine)
    thread = threading.get_ident()
    connection = reads.connections.get(thread)
    if connection is None:
        dialect = engine.dialect
        try:
            connection = engine.raw_connection()
        except dialect.loaded_dbapi.Error as exc:
            raise _wrapped(exc, dialect, None, None, None) from exc
        driver = connection.dbapi_connection
        assert driver is not None, "a connection fresh from the pool has its driver connection"
        dialect.set_isolation_level(driver, "AUTOCOMMIT")
        if reads.executor is None:
            driver.execute(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
        with reads.lock:
            reads.connections[thread] = connection
    return connection


def _give_back(engine: Engine, connection: PoolProxiedConnection, *, invalidate: bool) -> None:
    driver = connection.dbapi_connection
    try:
        if invalidate or driver is None:
            connection.invalidate()
        else:
            # Others check it out of the pool next: as the pool handed it out.
            engine.dialect.reset_isolation_level(driver)
            if engine.dialect.name == "sqlite":
                _configure_sqlite(driver, None)
    except (sa_exc.DBAPIError, engine.dialect.loaded_dbapi.Error):
        connection.invalidate()
    finally:
        connection.close()


def _release_held(engine: Engine, *, invalidate: bool) -> None:
    """Give back this thread's kept connection, after an error: the next read opens another."""
    reads = _reads_of(engine)
    with reads.lock:
        connection = reads.connections.pop(threading.get_ident(), None)
    if connection is not None:
        _give_back(engine, connection, invalidate=invalidate)


def _release_all_held(engine: Engine) -> None:
    reads = _reads_of(engine)
    with reads.lock:
        connections = list(reads.connections.values())
        reads.connections.clear()
    # The engine is being disposed of: its connections are dropped, not reused.
    for connection in connections:
        with contextlib.suppress(sa_exc.DBAPIError, engine.dialect.loaded_dbapi.Error):
            connection.invalidate()
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


# The PointRead of each statement a plugin reads with Database.read_row, so
# that it is compiled once. Weak: a statement a plugin drops takes its
# compiled forms with it.
_point_reads: weakref.WeakKeyDictionary[Select[*tuple[Any, ...]], PointRead] = (
    weakref.WeakKeyDictionary()
)
_point_reads_lock = threading.Lock()


def point_read(statement: Select[*tuple[Any, ...]]) -> PointRead:
    """The one PointRead of ``statement``."""
    read = _point_reads.get(statement)
    if read is None:
        with _point_reads_lock:
            read = _point_reads.get(statement)
            if read is None:
                read = _point_reads[statement] = PointRead(statement)
    return read
