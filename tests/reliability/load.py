"""Client-side load for the fault tests: bursts of creates, and what survived them.

The load is the notes test plugin's CreateNote, each with a request_id (a
client would retry with it); what survived is read back through a host
(GetNote) and straight from the database.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
import sqlalchemy

from support.notes import Notes
from testplugins.notes import notes

# Creates of a burst wait this long at most; a host that hangs fails the test.
CALL_TIMEOUT = 10.0


@dataclass
class Burst:
    """The outcome of many concurrent CreateNote calls."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # text -> note id
    failed: Counter[grpc.StatusCode] = field(default_factory=Counter)
    # Monotonic times at which each acknowledgement arrived.
    acknowledged_at: list[float] = field(default_factory=list)
    acks: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def create(self, client: Notes, text: str) -> grpc.StatusCode:
        """CreateNote with ``text``; the outcome is recorded and returned."""
        try:
            reply = await client.create_call(text, str(uuid.uuid4()), timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            async with self.acks:
                self.failed[error.code()] += 1
                self.acks.notify_all()
            return error.code()
        async with self.acks:
            self.acknowledged[text] = reply.id
            self.acknowledged_at.append(time.monotonic())
            self.acks.notify_all()
        return grpc.StatusCode.OK

    def launch(self, client: Notes, prefix: str, count: int) -> asyncio.Future[Any]:
        """``count`` creates at once, of the texts prefix0, prefix1, ..."""
        return asyncio.gather(*(self.create(client, f"{prefix}{i}") for i in range(count)))

    async def wait_for_acks(self, count: int) -> None:
        """Until ``count`` creates are acknowledged; fails if the burst ends short of that."""

        def enough() -> bool:
            return len(self.acknowledged) >= count or self.failed.total() > 0

        async with self.acks:
            await asyncio.wait_for(self.acks.wait_for(enough), CALL_TIMEOUT)
        assert len(self.acknowledged) >= count, f"creates failed: {dict(self.failed)}"


@dataclass(frozen=True)
class Survivors:
    present: int
    missing: list[str]
    # Notes stored but never acknowledged: the answer was lost with the host.
    unacknowledged: int


async def survivors(
    port: int, database_url: str, acknowledged: dict[str, str], token: str
) -> Survivors:
    """Which acknowledged notes the host at ``port`` serves, and what else is stored."""
    missing = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        client = Notes(channel, token)
        for text, note_id in acknowledged.items():
            try:
                note = await client.get(note_id)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                missing.append(text)
                continue
            if note.text != text:
                missing.append(text)
    stored = await asyncio.to_thread(stored_texts, database_url)
    unacknowledged = stored - acknowledged.keys()
    return Survivors(len(acknowledged) - len(missing), missing, len(unacknowledged))


def stored_texts(database_url: str) -> set[str]:
    """The text of every note in the database, read straight from it."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(sqlalchemy.select(notes.c.text)))
    finally:
        engine.dispose()
