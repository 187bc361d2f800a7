"""A pytest plugin for testing CRM Host plugins against a real host.

Installed with crm-host (entry point ``pytest11``); needs pytest-asyncio
(``crm-host[testing]``). A plugin's first test::

    from crm_host.testing import TestHost

    async def test_hello(crm_host):
        host: TestHost = await crm_host("myplugin")
        stub = my_pb2_grpc.MyServiceStub(host.channel)
        reply = await stub.Hello(my_pb2.HelloRequest(), metadata=host.caller("u1"))
        assert reply.message == "hello u1"

``crm_host(*plugins)`` starts an in-process host on a free loopback port with
a fresh SQLite database under the test's tmp_path (schemas migrated), and
returns once it serves. Plugins are names of installed plugins (their entry
points) or plugin objects, given as ``(object, name)`` pairs. It is stopped
after the test.

``host.caller(account_id, roles)`` gives call metadata that authenticates as
that principal through a test-only authenticator, so access policies can be
tested without any identity plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc.aio

from crm_host import hookimpl
from crm_host._server.config import HostSettings
from crm_host._server.lifecycle import Host
from crm_host._server.plugins import PluginManager
from crm_host.auth import Principal
from crm_host.hookspecs import RegisterAuthenticator

Metadata = tuple[tuple[str, str], ...]
PluginSpec = str | tuple[object, str]

TEST_AUTHENTICATOR = "crm-host-testing"


@dataclass
class _TestAuthenticator:
    """Accepts the tokens TestHost.caller handed out, and nothing else."""

    principals: dict[str, Principal] = field(default_factory=dict)

    @hookimpl
    def register_authenticators(self, register: RegisterAuthenticator) -> None:
        register(self.authenticate)

    async def authenticate(self, token: str) -> Principal | None:
        return self.principals.get(token)


@dataclass
class TestHost:
    """A running host, a channel to it, and credentials for test callers."""

    __test__ = False  # not a test class, despite its name

    host: Host
    channel: grpc.aio.Channel
    _authenticator: _TestAuthenticator

    @property
    def port(self) -> int:
        assert self.host.port is not None
        return self.host.port

    def caller(self, account_id: str, roles: Iterable[str] = ()) -> Metadata:
        """Metadata that makes a call come from ``account_id`` holding ``roles``."""
        token = f"test-{secrets.token_urlsafe(16)}"
        self._authenticator.principals[token] = Principal(
            account_id=account_id, roles=frozenset(roles), credential_id=token
        )
        return (("authorization", f"Bearer {token}"),)


class StartHost(Protocol):
    async def __call__(
        self, *plugins: PluginSpec, settings: Mapping[str, Mapping[str, Any]] | None = None
    ) -> TestHost: ...


async def start_test_host(
    plugins: Iterable[PluginSpec],
    database_url: str,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    **host_settings: Any,
) -> TestHost:
    """Start a host on 127.0.0.1 with exactly ``plugins``; stop it with stop_test_host.

    ``host_settings`` override HostSettings fields, e.g. ``drain_delay=1``.
    """
    plugins = list(plugins)
    manager = PluginManager()
    named = [p for p in plugins if isinstance(p, str)]
    if named:
        manager.load_entrypoints(named)
    for plugin in plugins:
        if not isinstance(plugin, str):
            manager.register(*plugin)
    authenticator = _TestAuthenticator()
    manager.register(authenticator, TEST_AUTHENTICATOR)
    host = Host(
        manager,
        HostSettings(
            listen="127.0.0.1:0",
            database_url=database_url,
            grace=5,
            plugin_settings=dict(settings or {}),
            migrate=True,
            **host_settings,
        ),
    )
    try:
        await host.start()
        # A bound, so that a host that never gets ready fails the test, not hangs it.
        await asyncio.wait_for(host.wait_ready(), timeout=60)
    except BaseException:
        await host.stop(0)
        raise
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}")
    return TestHost(host, channel, authenticator)


async def stop_test_host(test_host: TestHost) -> None:
    await test_host.channel.close()
    await test_host.host.stop(0)


async def _stop_all(started: list[TestHost]) -> None:
    """Stop every host, even when stopping another one fails."""
    async with contextlib.AsyncExitStack() as stack:
        for test_host in started:
            stack.push_async_callback(stop_test_host, test_host)


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the fixture needs crm-host[testing]
    pass
else:

    @pytest_asyncio.fixture
    async def crm_host(tmp_path: Path) -> AsyncIterator[StartHost]:
        """Start hosts with chosen plugins; each is stopped after the test."""
        started: list[TestHost] = []

        async def start(
            *plugins: PluginSpec, settings: Mapping[str, Mapping[str, Any]] | None = None
        ) -> TestHost:
            database = tmp_path / f"crm-{len(started)}.db"
            test_host = await start_test_host(plugins, f"sqlite:///{database}", settings)
            started.append(test_host)
            return test_host

        yield start
        await _stop_all(started)


__all__ = ["StartHost", "TestHost", "start_test_host", "stop_test_host"]
