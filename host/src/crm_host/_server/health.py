"""Health statuses: readiness, liveness and one per service (grpc.health.v1).

The built-in health plugin serves :attr:`Health.servicer`; the host's life
cycle sets the statuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from grpc_health.v1 import health, health_pb2

SERVICE_NAME: str = health.SERVICE_NAME
OVERALL = health.OVERALL_HEALTH
LIVENESS = "liveness"

_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class _HealthServicer(health.aio.HealthServicer):  # type: ignore[misc]
    """grpcio-health-checking's servicer, with List, which it leaves unimplemented."""

    async def List(self, request: Any, context: Any) -> health_pb2.HealthListResponse:
        return health_pb2.HealthListResponse(
            statuses={
                name: health_pb2.HealthCheckResponse(status=status)
                for name, status in self._server_status.items()
            }
        )


class Health:
    """Health statuses for ``""`` (readiness), ``liveness`` and every service name.

    Readiness and the gated service names start NOT_SERVING and follow
    :meth:`update`; ``liveness`` and the services that work whatever the
    database does (health and reflection themselves) are SERVING from the
    start, because a process that can answer is alive.
    """

    def __init__(self) -> None:
        self.servicer = _HealthServicer()
        self._gated: list[str] = [OVERALL]
        self._always: list[str] = [LIVENESS]
        self._serving: dict[str, bool] = {}

    def track(self, gated: Iterable[str], always: Iterable[str]) -> None:
        """Name the statuses to serve: ``gated`` ones follow readiness, ``always`` ones don't."""
        self._gated = [OVERALL, *gated]
        self._always = [LIVENESS, *always]

    async def start(self) -> None:
        for name in self._gated:
            self._serving[name] = False
            await self.servicer.set(name, _NOT_SERVING)
        for name in self._always:
            await self.servicer.set(name, _SERVING)

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
