"""Whether a host still serves after what a test did to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def assert_serving(channel: grpc.aio.Channel, call: Callable[[], Awaitable[object]]) -> None:
    """Readiness is SERVING and ``call``, a real call through ``channel``, succeeds."""
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=10
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    await call()
