"""One leader per database: it numbers committed events and runs the in-process handlers.

On PostgreSQL the leader holds a session-level advisory lock on a connection
of its own, keyed by the schema, so replicas sharing a database elect one.
When the leader dies its connection closes, the server releases the lock, and
another replica takes it at its next try. The leader numbers events on that
same connection: a replica that lost the lock (its connection broke) cannot
number anything, so two numberers never run at once.

On SQLite every process on the file (``serve --workers N``) shares the
machine, so an exclusive ``flock`` on a file next to the database does the
same; the operating system releases it when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import zlib
from collections.abc import Iterator
from typing import IO

from sqlalchemy import Connection, Engine, text

LOCK_NAME = "crm_host.events.leader"


class Leadership:
    """Whether this host leads, and the connection it leads with (on PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self._file: IO[bytes] | None = None
        self.schema = ""
        self.leading = False
        # The lock's connection is used from worker threads, one at a time;
        # resigning (on shutdown) waits for a numbering in flight.
        self._using = threading.Lock()

    def channel(self) -> str | None:
        """The NOTIFY channel of this database's events, on PostgreSQL."""
        if self.engine.dialect.name != "postgresql":
            return None
        return f"crm_events.{self.schema}"[:63]

    def prepare(self) -> None:
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                self.schema = str(connection.execute(text("SELECT current_schema()")).scalar())

    def try_lead(self) -> bool:
        """Lead if nobody does; whether this host leads now. Blocking: call it on a thread."""
        if self.leading:
            with self._using:
                return self._still_leading()
        if self.engine.dialect.name == "postgresql":
            self.leading = self._take_advisory_lock()
        else:
            self.leading = self._take_file_lock()
        return self.leading

    def _take_advisory_lock(self) -> bool:
        key = zlib.crc32(f"{LOCK_NAME}:{self.schema}".encode())
        connection = self.engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar()
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self.connection = connection
        return True

    def _take_file_lock(self) -> bool:
        database = self.engine.url.database
        if not database or database == ":memory:":
            # One process only can use this database.
            return True
        handle = open(f"{os.path.abspath(database)}.events-leader", "ab")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def _still_leading(self) -> bool:
        if self.connection is None:
            return True
        try:
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
        except Exception:
            self._release()
            return False
        return True

    def resign(self) -> None:
        """Stop leading (release the lock), e.g. on shutdown."""
        with self._using:
            self._release()

    def _release(self) -> None:
        self.leading = False
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None
        if self._file is not None:
            self._file.close()
            self._file = None

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """Where the leader numbers: its lock's connection, or a fresh one (SQLite)."""
        with self._using:
            if self.connection is not None:
                yield self.connection
                return
            if not self.leading:
                raise RuntimeError("numbering without leading")
            with self.engine.connect() as connection:
                yield connection
