"""``crm.host.v1.HostService/ListRoles``, as a built-in plugin: every plugin's roles.

A role is a plugin's to register, and an admin's to grant (accounts'
GrantRole); this is where a client finds the names and what they are for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crm_host import AUTHENTICATED, hookimpl
from crm_host._proto.crm.host.v1 import host_pb2, host_pb2_grpc
from crm_host.hookspecs import RegisterService

DESCRIPTOR = host_pb2.DESCRIPTOR.services_by_name["HostService"]


class HostServicer(host_pb2_grpc.HostServiceServicer):  # type: ignore[misc]
    def __init__(self, roles: Callable[[], Mapping[str, tuple[str, str]]]) -> None:
        self._roles = roles

    async def ListRoles(self, request: Any, context: Any) -> host_pb2.ListRolesResponse:
        return host_pb2.ListRolesResponse(
            roles=[
                host_pb2.Role(name=name, description=description, plugin=plugin)
                for name, (description, plugin) in sorted(self._roles().items())
            ]
        )


class RolesPlugin:
    """Serves ListRoles from the host's registry of roles."""

    def __init__(self, roles: Callable[[], Mapping[str, tuple[str, str]]]) -> None:
        self.servicer = HostServicer(roles)

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        register(
            servicer=self.servicer,
            add_to_server=host_pb2_grpc.add_HostServiceServicer_to_server,
            descriptor=DESCRIPTOR,
            policies={"ListRoles": AUTHENTICATED},
            readiness=False,
        )
