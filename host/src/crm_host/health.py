"""The standard grpc.health.v1 service, gated on plugin start-up and the database."""

from __future__ import annotations

from collections.abc import Iterable

import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICE_NAME: str = health.SERVICE_NAME
OVERALL = health.OVERALL_HEALTH
LIVENESS = "liveness"

_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Health:
    """Health statuses for ``""`` (readiness), ``liveness`` and every service name.

    Readiness and the service names stay NOT_SERVING until :meth:`ready`;
    ``liveness`` is SERVING from the start, because a process that can answer
    is alive, whatever its dependencies do.
    """

    def __init__(self, service_names: Iterable[str]) -> None:
        self.servicer = health.aio.HealthServicer()
        self._gated = [OVERALL, *service_names]

    def add_to_server(self, server: grpc.aio.Server) -> None:
        health_pb2_grpc.add_HealthServicer_to_server(self.servicer, server)

    async def start(self) -> None:
        for name in self._gated:
            await self.servicer.set(name, _NOT_SERVING)
        await self.servicer.set(LIVENESS, _SERVING)

    async def ready(self) -> None:
        for name in self._gated:
            await self.servicer.set(name, _SERVING)

    async def shut_down(self) -> None:
        """Report NOT_SERVING for every name, for good: the host is going away."""
        await self.servicer.enter_graceful_shutdown()
