"""The services plugins register, validated as they arrive."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc.aio
from google.protobuf.descriptor import Descriptor, FieldDescriptor, ServiceDescriptor

from crm_host._server.access import Policy
from crm_host._server.plugins import PluginError, PluginInfo
from crm_host.hookspecs import RegisterService


@dataclass(frozen=True)
class RegisteredService:
    plugin: PluginInfo
    servicer: object
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    descriptor: ServiceDescriptor
    # By method name; methods without one fall back to access.DEFAULT_POLICY.
    policies: Mapping[str, Policy] = field(default_factory=dict)
    # By method name, then request field path: the largest size in bytes.
    field_max_bytes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Whether its health status follows readiness (the database, its plugin's checks).
    readiness: bool = True

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
    """Collects services and refuses malformed or clashing registrations."""

    def __init__(self) -> None:
        self._owners: dict[str, PluginInfo] = {}
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
            field_max_bytes: Mapping[str, Mapping[str, int]] | None = None,
            readiness: bool = True,
        ) -> None:
            parsed: dict[str, Policy] = {}
            for method, text in (policies or {}).items():
                try:
                    parsed[method] = Policy.parse(text)
                except ValueError as exc:
                    raise PluginError(plugin, f"{method}: {exc}") from None
            self._add(
                RegisteredService(
                    plugin,
                    servicer,
                    add_to_server,
                    descriptor,
                    parsed,
                    {method: dict(sizes) for method, sizes in (field_max_bytes or {}).items()},
                    readiness,
                )
            )

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
        methods = {method.name: method for method in service.descriptor.methods}
        for what, declared in (
            ("access policies", service.policies),
            ("field sizes", service.field_max_bytes),
        ):
            strays = sorted(set(declared) - methods.keys())
            if strays:
                raise PluginError(
                    plugin, f"{what} name method(s) {name} does not have: {', '.join(strays)}"
                )
        for method, sizes in service.field_max_bytes.items():
            for path, size in sizes.items():
                problem = _size_problem(methods[method].input_type, path, size)
                if problem:
                    raise PluginError(plugin, f"field_max_bytes of {name}/{method}: {problem}")
        owner = self._owners.get(name)
        if owner is not None:
            raise PluginError(plugin, f"service {name} is already registered by {owner.label}")
        self._owners[name] = plugin
        self._services.append(service)


def _size_problem(message: Descriptor, path: str, size: object) -> str | None:
    """Why ``path`` cannot be bounded to ``size`` bytes in ``message``, or None."""
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return f"{path}: the size must be a positive number of bytes, not {size!r}"
    descriptor: Descriptor | None = message
    found: FieldDescriptor | None = None
    for part in path.split("."):
        found = descriptor.fields_by_name.get(part) if descriptor is not None else None
        if found is None:
            return f"{message.full_name} has no field {path!r}"
        descriptor = found.message_type
    assert found is not None
    if found.type not in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES) and not (
        found.message_type is not None and found.message_type.GetOptions().map_entry
    ):
        return f"{path} is not a string, bytes or map field"
    return None
