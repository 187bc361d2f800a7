"""Sync SQLAlchemy on worker threads versus AsyncSession, for a primary-key read.

The accounts plugin's choice between the two rests on this measurement
(docs/accounts.md). Both variants run in this one process, on the same table,
with the same concurrency, so only their ratio matters:

    uv run --with aiosqlite --with greenlet python bench/db_access.py [--postgresql URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import String, create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

CONCURRENCY = 32
SECONDS = 3.0


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bench_rows"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


async def rate(read: Callable[[str], Awaitable[object]], ids: list[str]) -> float:
    """Reads per second with CONCURRENCY readers for SECONDS."""
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def reader(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline:
            await read(ids[i % len(ids)])
            i += 1
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(reader(n) for n in range(CONCURRENCY)))
    return done / (time.perf_counter() - start)


async def compare(sync_url: str, async_url: str) -> None:
    engine = create_engine(sync_url, pool_size=CONCURRENCY)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    with Session(engine) as session, session.begin():
        session.add_all(Row(id=i, name=f"name {i}") for i in ids)

    def sync_get(key: str) -> object:
        with Session(engine) as session:
            return session.scalar(select(Row).where(Row.id == key))

    async def threaded(key: str) -> object:
        return await asyncio.to_thread(sync_get, key)

    async_engine = create_async_engine(async_url, pool_size=CONCURRENCY)
    sessions = async_sessionmaker(async_engine, class_=AsyncSession)

    async def async_get(key: str) -> object:
        async with sessions() as session:
            return await session.scalar(select(Row).where(Row.id == key))

    for name, read in (("sync + to_thread", threaded), ("AsyncSession", async_get)) * 2:
        print(f"  {name:18} {await rate(read, ids):8.0f} reads/s")
    Base.metadata.drop_all(engine)
    engine.dispose()
    await async_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgresql", help="e.g. postgresql+psycopg://postgres@127.0.0.1/test")
    args = parser.parse_args()
    path = f"{tempfile.mkdtemp()}/bench.db"
    print(f"SQLite ({CONCURRENCY} concurrent readers, {SECONDS:.0f} s each, run twice):")
    asyncio.run(compare(f"sqlite:///{path}", f"sqlite+aiosqlite:///{path}"))
    if args.postgresql:
        print(f"PostgreSQL ({CONCURRENCY} concurrent readers, {SECONDS:.0f} s each, run twice):")
        asyncio.run(compare(args.postgresql, args.postgresql))


if __name__ == "__main__":
    main()
