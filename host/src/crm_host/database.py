"""The database as plugins use it.

Every hook that may need it receives ``database``, a :class:`Database` around
the host's shared SQLAlchemy engine. Work that writes, or may scan, runs in
:meth:`Database.transaction`, on a worker thread: SQLAlchemy's sync API must
not block the event loop. Reads of one row by a key, the hottest path there
is, go through :meth:`Database.read_row`, which the host runs as cheaply as it
can (how is its own business and may change). Either way, a database that
cannot be reached makes the call answer UNAVAILABLE with a RetryInfo, as long
as the driver's exception is let through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, Select
from sqlalchemy.orm import Session

from crm_host._server import store

T = TypeVar("T")

__all__ = ["Database"]


class Database:
    """The host's database: transactions off the event loop, fast keyed reads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    async def transaction(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one transaction on a worker thread; its result.

        The transaction commits when ``work`` returns and rolls back when it
        raises. Objects it returns stay usable afterwards (they are not
        expired on commit).
        """

        def run() -> T:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                return work(session)

        return await asyncio.to_thread(run)

    async def read_row(self, statement: Select[*tuple[Any, ...]], **params: Any) -> Any | None:
        """The one row ``statement`` selects with ``params`` bound, or None.

        For a SELECT of at most one row by a primary key or unique index,
        with ``bindparam("name")`` placeholders; never for anything that
        scans or writes. Keep the statement in a module-level constant: it is
        compiled once per statement object. The row reads like a SQLAlchemy
        ``Row`` (``row.id``), with the columns' Python types.
        """
        return await store.point_read(statement).first(self.engine, **params)
