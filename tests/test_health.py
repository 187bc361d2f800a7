"""grpc.health.v1: readiness, liveness, per-service status, and the SIGTERM drain."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import crm_accounts.plugin
from crm_host._server.lifecycle import Host
from crm_host.testing import HostProcess
from support.accounts import Accounts
from support.hosts import StartHost

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def check(channel: grpc.aio.Channel, service: str) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=service), timeout=10
    )
    return int(reply.status)


@pytest.mark.parametrize("service", ["", "liveness", "accounts.v1.AccountsService"])
async def test_serving_once_started(
    start_host: StartHost, channel_to: Callable[[Host], grpc.aio.Channel], service: str
) -> None:
    host = await start_host((crm_accounts.plugin, "accounts"))
    assert await check(channel_to(host), service) == SERVING


async def test_unknown_service_name_is_not_found(
    start_host: StartHost, channel_to: Callable[[Host], grpc.aio.Channel]
) -> None:
    host = await start_host((crm_accounts.plugin, "accounts"))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await check(channel_to(host), "accounts.v1.NoSuchService")
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND


async def test_readiness_waits_for_the_database(
    start_host: StartHost, channel_to: Callable[[Host], grpc.aio.Channel], tmp_path: Path
) -> None:
    """A host whose database does not answer is alive but not ready."""
    from crm_host._server.config import HostSettings
    from crm_host._server.plugins import PluginManager

    host = Host(
        PluginManager(),
        HostSettings(
            listen="127.0.0.1:0", database_url="sqlite:///" + str(tmp_path / "missing" / "x.db")
        ),
    )
    await host.start()
    try:
        channel = channel_to(host)
        assert await check(channel, "liveness") == SERVING
        assert await check(channel, "") == NOT_SERVING
        (tmp_path / "missing").mkdir()
        while await check(channel, "") != SERVING:
            await asyncio.sleep(0.1)
    finally:
        await host.stop(0)


async def test_sigterm_reports_not_serving_drains_and_exits_zero(
    serve_accounts: Callable[[], HostProcess],
) -> None:
    process = serve_accounts()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{process.port}") as channel:
        while await check(channel, "") != SERVING:
            await asyncio.sleep(0.05)
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service="accounts.v1.AccountsService")
        )
        assert (await watch.read()).status == SERVING
        process.process.terminate()
        assert (await watch.read()).status == NOT_SERVING
    assert await asyncio.to_thread(process.wait) == 0
    assert "shutting down" in process.output
    assert " crm_host: stopped\n" in process.output


async def test_sigterm_lets_slow_calls_in_flight_finish_and_refuses_new_ones(
    serve_accounts: Callable[..., HostProcess],
) -> None:
    """Real argon2 hashing on one worker keeps creates in flight when SIGTERM arrives."""
    process = serve_accounts("--grace", "30", env={"CRM_ACCOUNTS__HASH_WORKERS": "1"})
    port = process.port
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        while await check(channel, "") != SERVING:
            await asyncio.sleep(0.05)
        client = Accounts(channel)
        # Each create hashes for about a tenth of a second, one after the other.
        in_flight = [
            asyncio.ensure_future(client.create(email=f"slow{i}@example.com")) for i in range(5)
        ]
        await asyncio.sleep(0.2)
        process.process.send_signal(signal.SIGTERM)
        created = await asyncio.gather(*in_flight)
        assert len({account.id for account in created}) == 5
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await client.create(email="late@example.com")
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await asyncio.to_thread(process.wait) == 0
