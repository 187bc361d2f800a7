"""Streams are told from the method descriptor: Health.Watch outlives the default deadline."""

from __future__ import annotations

import asyncio
import contextlib

import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm_host.testing import start_test_host, stop_test_host
from testplugins.echo import AsyncEchoPlugin

SERVING = health_pb2.HealthCheckResponse.SERVING


async def test_health_watch_stays_open_past_the_default_deadline(tmp_path: object) -> None:
    """grpcio-health's Watch is a coroutine writing with context.write, not an async
    generator: only its descriptor says it streams. Unary calls without a client
    deadline end after default_deadline_seconds; Watch must not."""
    test_host = await start_test_host(
        [(AsyncEchoPlugin(), "echo")],
        f"sqlite:///{tmp_path}/crm.db",
        default_deadline_seconds=0.5,
    )
    try:
        stub = health_pb2_grpc.HealthStub(test_host.channel)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""))
        first = await watch.read()
        assert first.status == SERVING
        # Four default deadlines later the stream is still open: no status yet.
        reader = asyncio.ensure_future(watch.read())
        done, _ = await asyncio.wait({reader}, timeout=2.0)
        assert done == set(), "Watch ended"
        assert watch.done() is False
        watch.cancel()
        # The cancelled read ends too; leave nothing pending behind the test.
        with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
            await reader
        # The unary Echo, with no deadline of its own, is still bounded.
        assert test_host.host.settings.default_deadline_seconds == 0.5
    finally:
        await stop_test_host(test_host)


async def test_a_unary_call_without_a_deadline_still_gets_the_default(tmp_path: object) -> None:
    from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc

    plugin = AsyncEchoPlugin()
    test_host = await start_test_host(
        [(plugin, "echo")], f"sqlite:///{tmp_path}/crm.db", default_deadline_seconds=0.5
    )
    try:
        stub = echo_pb2_grpc.EchoServiceStub(test_host.channel)
        with pytest.raises(grpc.aio.AioRpcError) as bounded:
            await stub.Echo(echo_pb2.EchoRequest(message="hold"))
        assert bounded.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        plugin.servicer.release.set()
        await stop_test_host(test_host)
