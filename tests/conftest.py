from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import grpc.aio
import pytest

from crm_host.host import Host, HostSettings
from crm_host.plugins import PluginManager
from support.hosts import CHEAP_ACCOUNTS, CHEAP_ACCOUNTS_ENV, HostProcess, StartHost


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
async def start_host(database_url: str) -> AsyncIterator[StartHost]:
    """Start an in-process host on a free loopback port with the given plugins.

    Plugins are (object, name) pairs registered directly, so installed entry
    points never leak into these tests.
    """
    hosts: list[Host] = []

    async def start(
        *plugins: tuple[object, str],
        url: str = database_url,
        accounts: Mapping[str, str] = CHEAP_ACCOUNTS,
    ) -> Host:
        manager = PluginManager()
        for plugin, name in plugins:
            manager.register(plugin, name)
        host = Host(
            manager,
            HostSettings(
                listen="127.0.0.1:0",
                database_url=url,
                grace=5,
                plugin_settings={"accounts": accounts},
            ),
        )
        hosts.append(host)
        await host.start()
        await host.wait_ready()
        return host

    yield start
    for host in hosts:
        await host.stop(0)


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
def serve_accounts(tmp_path: Path) -> Iterator[Callable[[], HostProcess]]:
    """Start `crm-host serve` with the accounts plugin in tmp_path, on a free port.

    Returns once it listens (``.port``); any still running are killed afterwards.
    """
    started: list[HostProcess] = []

    def serve() -> HostProcess:
        process = HostProcess(
            "serve",
            "--plugins",
            "accounts",
            "--listen",
            "127.0.0.1:0",
            env=CHEAP_ACCOUNTS_ENV,
            cwd=tmp_path,
        )
        started.append(process)
        process.wait_listening()
        return process

    yield serve
    for process in started:
        process.kill()
