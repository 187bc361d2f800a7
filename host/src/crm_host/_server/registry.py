"""The services plugins register, validated as they arrive."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc.aio
from google.protobuf.descriptor import ServiceDescriptor

from crm_host._server.plugins import PluginError, PluginInfo
from crm_host.auth import Policy
from crm_host.hookspecs import RegisterService

HOST = PluginInfo("crm-host")


@dataclass(frozen=True)
class RegisteredService:
    plugin: PluginInfo
    servicer: object
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    descriptor: ServiceDescriptor
    # By method name; methods without one fall back to auth.DEFAULT_POLICY.
    policies: Mapping[str, Policy] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return str(self.descriptor.full_name)

    def method_path(self, method: str) -> str:
        return f"/{self.full_name}/{method}"

    @property
    def undeclared(self) -> list[str]:
        """Methods with no declared policy."""
        return [m.name for m in self.descriptor.methods if m.name not in self.policies]


class ServiceRegistry:
    """Collects services and refuses malformed or clashing registrations.

    ``reserved`` names belong to the host (health, reflection): a plugin that
    registers one of them is refused like any other clash.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._owners: dict[str, PluginInfo] = dict.fromkeys(reserved, HOST)
        self._services: list[RegisteredService] = []

    @property
    def services(self) -> list[RegisteredService]:
        return list(self._services)

    def registrar(self, plugin: PluginInfo) -> RegisterService:
        """The ``register`` callback handed to ``plugin``'s register_services hook."""

        def register(
            *,
            servicer: object,
            add_to_server: Callable[[Any, grpc.aio.Server], None],
            descriptor: ServiceDescriptor,
            policies: Mapping[str, str] | None = None,
        ) -> None:
            parsed: dict[str, Policy] = {}
            for method, text in (policies or {}).items():
                try:
                    parsed[method] = Policy.parse(text)
                except ValueError as exc:
                    raise PluginError(plugin, f"{method}: {exc}") from None
            self._add(RegisteredService(plugin, servicer, add_to_server, descriptor, parsed))

        return register

    def _add(self, service: RegisteredService) -> None:
        plugin = service.plugin
        if not isinstance(service.descriptor, ServiceDescriptor):
            raise PluginError(
                plugin,
                "register(descriptor=...) needs a ServiceDescriptor, e.g. "
                "<module>_pb2.DESCRIPTOR.services_by_name['<Service>'], "
                f"not {type(service.descriptor).__name__}",
            )
        name = service.full_name
        if not callable(service.add_to_server):
            raise PluginError(plugin, f"register(add_to_server=...) for {name} is not callable")
        missing = [
            method.name
            for method in service.descriptor.methods
            if not callable(getattr(service.servicer, method.name, None))
        ]
        if missing:
            raise PluginError(
                plugin, f"the servicer for {name} lacks the method(s) {', '.join(missing)}"
            )
        methods = {method.name for method in service.descriptor.methods}
        strays = sorted(set(service.policies) - methods)
        if strays:
            raise PluginError(
                plugin, f"access policies name method(s) {name} does not have: {', '.join(strays)}"
            )
        owner = self._owners.get(name)
        if owner is not None:
            raise PluginError(plugin, f"service {name} is already registered by {owner.label}")
        self._owners[name] = plugin
        self._services.append(service)
