"""Client-side load for the fault tests: bursts of creates, and what survived them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio

from crm_accounts._proto.accounts.v1 import accounts_pb2
from support.accounts import PASSWORD, Accounts

ADMIN_EMAIL = "admin@example.com"
# Creates of a burst wait this long at most; a host that hangs fails the test.
CALL_TIMEOUT = 10.0


@dataclass
class Burst:
    """The outcome of many concurrent CreateAccount calls."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # email -> account id
    failed: Counter[grpc.StatusCode] = field(default_factory=Counter)
    # Monotonic times at which each acknowledgement arrived.
    acknowledged_at: list[float] = field(default_factory=list)
    acks: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def create(self, client: Accounts, email: str) -> grpc.StatusCode:
        """CreateAccount for ``email``; the outcome is recorded and returned."""
        try:
            reply = await client.stub.CreateAccount(_create_request(email), timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            async with self.acks:
                self.failed[error.code()] += 1
                self.acks.notify_all()
            return error.code()
        async with self.acks:
            self.acknowledged[email] = reply.id
            self.acknowledged_at.append(time.monotonic())
            self.acks.notify_all()
        return grpc.StatusCode.OK

    def launch(self, client: Accounts, prefix: str, count: int) -> asyncio.Future[Any]:
        """``count`` creates at once, for prefix0@example.com, prefix1@example.com, ..."""
        return asyncio.gather(
            *(self.create(client, f"{prefix}{i}@example.com") for i in range(count))
        )

    async def wait_for_acks(self, count: int) -> None:
        """Until ``count`` creates are acknowledged; fails if the burst ends short of that."""

        def enough() -> bool:
            return len(self.acknowledged) >= count or self.failed.total() > 0

        async with self.acks:
            await asyncio.wait_for(self.acks.wait_for(enough), CALL_TIMEOUT)
        assert len(self.acknowledged) >= count, f"creates failed: {dict(self.failed)}"


def _create_request(email: str) -> accounts_pb2.CreateAccountRequest:
    # A request_id makes each create safe to retry, as a real client would send it.
    return accounts_pb2.CreateAccountRequest(
        name="Burst", email=email, password=PASSWORD, request_id=str(uuid.uuid4())
    )


@dataclass(frozen=True)
class Survivors:
    present: int
    missing: list[str]
    # Accounts stored but never acknowledged: the answer was lost with the host.
    unacknowledged: int


async def survivors(port: int, acknowledged: dict[str, str], password: str) -> Survivors:
    """Which acknowledged accounts the host at ``port`` has, read with ListAccounts."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        admin = await Accounts(channel).login(ADMIN_EMAIL, password)
        stored = {a.id: a.email for a in await admin.walk(page_size=1000)}
    missing = [email for email, id_ in acknowledged.items() if stored.get(id_) != email]
    unacknowledged = set(stored.values()) - acknowledged.keys() - {ADMIN_EMAIL}
    return Survivors(len(acknowledged) - len(missing), missing, len(unacknowledged))
