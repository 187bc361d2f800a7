"""Several host processes sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

import grpc
import grpc.aio
import pytest

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import HostProcess

from .accounts_client import PASSWORD, Accounts, create_admin

# Several hosts share one database only on PostgreSQL.
pytestmark = pytest.mark.parametrize("crm_database_url", ["postgresql"], indirect=True)


def test_fifty_creates_of_one_email_across_two_hosts_give_exactly_one_account(
    crm_database_url: str, serve_accounts: Callable[..., HostProcess]
) -> None:
    url = crm_database_url
    # Both start with --migrate at once: the migration lock lets one of them
    # upgrade and the other find the schema up to date.
    hosts = [serve_accounts("--database-url", url, "--migrate") for _ in range(2)]

    async def race() -> list[grpc.StatusCode]:
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{h.port}") for h in hosts]
        clients = [Accounts(channel) for channel in channels]

        async def attempt(i: int) -> grpc.StatusCode:
            try:
                email = "race@example.com" if i % 3 else "RACE@Example.COM"
                await clients[i % 2].create(email=email)
            except grpc.aio.AioRpcError as error:
                return error.code()
            return grpc.StatusCode.OK

        try:
            return list(await asyncio.gather(*(attempt(i) for i in range(50))))
        finally:
            for channel in channels:
                await channel.close()

    codes = asyncio.run(race())
    assert codes.count(grpc.StatusCode.OK) == 1
    assert codes.count(grpc.StatusCode.ALREADY_EXISTS) == 49
    for host in hosts:
        assert host.terminate() == 0


def test_three_replicas_round_robin_survive_one_being_stopped(
    crm_database_url: str, serve_accounts: Callable[..., HostProcess]
) -> None:
    """Mixed load over three hosts; one gets SIGTERM mid-run; nothing acknowledged is lost."""
    url = crm_database_url
    drain = ("--drain-delay", "1")
    hosts = [serve_accounts("--database-url", url, "--migrate", *drain)]
    hosts += [serve_accounts("--database-url", url, *drain) for _ in range(2)]
    assert create_admin(url, "admin@example.com", PASSWORD).returncode == 0
    target = "ipv4:" + ",".join(f"127.0.0.1:{h.port}" for h in hosts)
    ports = [h.port for h in hosts if h.port is not None]
    outcome = asyncio.run(mixed_load(target, hosts[1], ports))
    assert outcome.unexpected == [], outcome.unexpected
    assert len(outcome.acknowledged) > 20
    assert hosts[1].process.returncode == 0
    for host in (hosts[0], hosts[2]):
        assert host.terminate() == 0


@dataclass
class Outcome:
    acknowledged: dict[str, str] = field(default_factory=dict)  # email -> id
    unexpected: list[str] = field(default_factory=list)


# A call that reached a replica while it shut down is refused with one of these
# and retried; the request_id makes a retried create safe.
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}


async def mixed_load(target: str, victim: HostProcess, ports: list[int]) -> Outcome:
    outcome = Outcome()
    options = [("grpc.lb_policy_name", "round_robin")]
    async with grpc.aio.insecure_channel(target, options=options) as channel:
        admin = await Accounts(channel).login("admin@example.com")

        async def call(make: Callable[[], Awaitable[object]]) -> object | None:
            for _ in range(10):
                try:
                    return await make()
                except grpc.aio.AioRpcError as error:
                    if error.code() not in RETRYABLE:
                        outcome.unexpected.append(f"{error.code().name}: {error.details()}")
                        return None
                    await asyncio.sleep(0.1)
            outcome.unexpected.append("still unavailable after 10 tries")
            return None

        async def worker(n: int) -> None:
            for i in range(12):
                email = f"w{n}-{i}@example.com"
                request_id = str(uuid.uuid4())
                created = await call(partial(admin.create, email=email, request_id=request_id))
                if created is None:
                    continue
                account_id = created.id  # type: ignore[attr-defined]
                outcome.acknowledged[email] = account_id
                await call(partial(admin.get, account_id))
                renamed = accounts_pb2.Account(id=account_id, name=f"Worker {n}")
                await call(partial(admin.update, renamed, ["name"]))
                await call(partial(admin.page, page_size=5))

        async def stop_victim() -> None:
            await asyncio.sleep(0.5)
            victim.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(victim.wait)

        await asyncio.gather(*(worker(n) for n in range(6)), stop_victim())

    # Every acknowledged account, readable from every replica still running.
    for port in ports:
        if port == victim.port:
            continue
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as direct:
            reader = Accounts(direct, admin.token)
            for email, account_id in outcome.acknowledged.items():
                account = await reader.get(account_id)
                assert account.email == email
    return outcome
