from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import grpc.aio
import pytest

import crm_accounts.plugin
from crm_accounts.settings import AccountsSettings
from crm_host._server.lifecycle import Host
from crm_host.testing import TestHost, start_test_host, stop_test_host
from support.accounts import PASSWORD, Accounts
from support.databases import ENGINES, postgresql_schema
from support.hosts import CHEAP_ACCOUNTS, CHEAP_ACCOUNTS_ENV, HostProcess, StartHost


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on PostgreSQL.

    PostgreSQL runs whenever CRM_TEST_DATABASE_URL is set; then an unreachable
    server fails the test instead of skipping it.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.db'}"
        return
    with postgresql_schema() as url:
        yield url


@pytest.fixture
async def start_host(database_url: str) -> AsyncIterator[StartHost]:
    """Start an in-process host on a free loopback port with the given plugins.

    Plugins are (object, name) pairs registered directly, so installed entry
    points never leak into these tests. The same code as crm_host.testing.
    """
    hosts: list[TestHost] = []

    async def start(
        *plugins: tuple[object, str],
        url: str = database_url,
        accounts: Mapping[str, str] = CHEAP_ACCOUNTS,
    ) -> Host:
        test_host = await start_test_host(plugins, url, {"accounts": accounts})
        hosts.append(test_host)
        return test_host.host

    yield start
    for test_host in hosts:
        await stop_test_host(test_host)


@pytest.fixture
async def channel_to() -> AsyncIterator[Callable[[Host], grpc.aio.Channel]]:
    channels: list[grpc.aio.Channel] = []

    def connect(host: Host) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}")
        channels.append(channel)
        return channel

    yield connect
    for channel in channels:
        await channel.close()


@pytest.fixture
def serve_accounts(tmp_path: Path) -> Iterator[Callable[..., HostProcess]]:
    """Start `crm-host serve ARGS` with the accounts plugin in tmp_path, on a free port.

    Returns once it listens (``.port``); any still running are killed afterwards.
    """
    started: list[HostProcess] = []

    def serve(*args: str, env: Mapping[str, str] = CHEAP_ACCOUNTS_ENV) -> HostProcess:
        process = HostProcess(
            "serve",
            "--plugins",
            "accounts",
            "--listen",
            "127.0.0.1:0",
            *args,
            env=env,
            cwd=tmp_path,
        )
        started.append(process)
        process.wait_listening()
        return process

    yield serve
    for process in started:
        process.kill()


ADMIN_EMAIL = "admin@example.com"


@pytest.fixture
async def accounts_host(start_host: StartHost) -> Host:
    """A running host serving the accounts plugin, with an admin account."""
    host = await start_host((crm_accounts.plugin, "accounts"))
    controller = crm_accounts.plugin.controller_for(
        host.database, AccountsSettings.model_validate(CHEAP_ACCOUNTS)
    )
    await controller.create_account("Admin", ADMIN_EMAIL, PASSWORD, roles=frozenset({"admin"}))
    return host


@pytest.fixture
async def accounts(accounts_host: Host, channel_to: Callable[[Host], grpc.aio.Channel]) -> Accounts:
    """A client of the accounts service, signed in as the admin."""
    return await Accounts(channel_to(accounts_host)).login(ADMIN_EMAIL)
