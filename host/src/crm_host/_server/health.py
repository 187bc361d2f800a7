"""The standard grpc.health.v1 service, gated on plugin start-up and the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICE_NAME: str = health.SERVICE_NAME
OVERALL = health.OVERALL_HEALTH
LIVENESS = "liveness"

_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Health:
    """Health statuses for ``""`` (readiness), ``liveness`` and every service name.

    Readiness and the service names start NOT_SERVING and follow
    :meth:`update`; ``liveness`` is SERVING from the start, because a process
    that can answer is alive, whatever its dependencies do.
    """

    def __init__(self, service_names: Iterable[str]) -> None:
        self.servicer = health.aio.HealthServicer()
        self._gated = [OVERALL, *service_names]
        self._serving: dict[str, bool] = dict.fromkeys(self._gated, False)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        health_pb2_grpc.add_HealthServicer_to_server(self.servicer, server)

    async def start(self) -> None:
        for name in self._gated:
            await self.servicer.set(name, _NOT_SERVING)
        await self.servicer.set(LIVENESS, _SERVING)

    async def update(self, serving: Mapping[str, bool]) -> list[str]:
        """Set the given names' statuses; return the names whose status changed.

        Unchanged statuses are not set again, so Watch streams only transitions.
        """
        changed = [name for name, up in serving.items() if self._serving.get(name) != up]
        for name in changed:
            self._serving[name] = serving[name]
            await self.servicer.set(name, _SERVING if serving[name] else _NOT_SERVING)
        return changed

    async def shut_down(self) -> None:
        """Report NOT_SERVING for every name, for good: the host is going away."""
        await self.servicer.enter_graceful_shutdown()
