"""grpc.health.v1, as a built-in plugin: public, and SERVING whatever the database does."""

from __future__ import annotations

from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm_host import hookimpl
from crm_host._server.health import Health
from crm_host.auth import PUBLIC
from crm_host.hookspecs import RegisterService

DESCRIPTOR = health_pb2.DESCRIPTOR.services_by_name["Health"]


class HealthPlugin:
    """Serves the statuses the host keeps in ``health``."""

    def __init__(self, health: Health) -> None:
        self.health = health

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        register(
            servicer=self.health.servicer,
            add_to_server=health_pb2_grpc.add_HealthServicer_to_server,
            descriptor=DESCRIPTOR,
            # Probes must work without credentials: every method, as the
            # descriptor lists them.
            policies={method.name: PUBLIC for method in DESCRIPTOR.methods},
            readiness=False,
        )
