from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping

import grpc.aio
import pytest

import crm_accounts.plugin
from crm_accounts.settings import AccountsSettings
from crm_host._server.lifecycle import Host
from crm_host.testing import HostProcess, Serve
from crm_host.testing import StartHost as StartTestHost
from support.accounts import PASSWORD, Accounts
from support.hosts import CHEAP_ACCOUNTS, CHEAP_ACCOUNTS_ENV, StartHost


@pytest.fixture
def start_host(crm_host: StartTestHost) -> StartHost:
    """Start an in-process host (crm_host.testing's ``crm_host``) with the given plugins.

    Plugins are (object, name) pairs registered directly, so installed entry
    points never leak into these tests.
    """

    async def start(
        *plugins: tuple[object, str], accounts: Mapping[str, str] = CHEAP_ACCOUNTS
    ) -> Host:
        return (await crm_host(*plugins, settings={"accounts": accounts})).host

    return start


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
def serve_accounts(crm_serve: Serve) -> Callable[..., HostProcess]:
    """Start `crm-host serve ARGS` with the accounts plugin in tmp_path, on a free port.

    Returns once it listens (``.port``); any still running are killed afterwards.
    """

    def serve(*args: str, env: Mapping[str, str] = CHEAP_ACCOUNTS_ENV) -> HostProcess:
        return crm_serve("accounts", *args, env=env)

    return serve


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
