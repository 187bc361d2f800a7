"""Several host processes sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import grpc.aio
import pytest

from support.accounts import Accounts
from support.databases import POSTGRESQL_URL, postgresql_schema
from support.hosts import HostProcess

pytestmark = pytest.mark.skipif(not POSTGRESQL_URL, reason="CRM_TEST_DATABASE_URL is not set")


def test_fifty_creates_of_one_email_across_two_hosts_give_exactly_one_account(
    serve_accounts: Callable[..., HostProcess],
) -> None:
    with postgresql_schema() as url:
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
