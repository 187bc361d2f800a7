"""The whole plugin contract of CRM Host.

A plugin is a module (or object) with functions decorated with
``crm_host.hookimpl`` whose names match the hooks below. An implementation may
accept any subset of a hook's arguments, so new arguments can be added to a
hook later without breaking existing plugins.

The host calls each hook once per plugin, in the order the plugins were
loaded (``shutdown`` in the reverse order), and attributes any exception to
the plugin that raised it. A hook implementation that matches no hook below is
an error at start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    import grpc.aio
    from google.protobuf.descriptor import ServiceDescriptor
    from sqlalchemy import Engine, MetaData

PROJECT_NAME = "crm_host"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

PluginSettings = Mapping[str, str]


class RegisterService(Protocol):
    """The ``register`` callback handed to :func:`register_services`."""

    def __call__(
        self,
        *,
        servicer: object,
        add_to_server: Callable[[Any, grpc.aio.Server], None],
        descriptor: ServiceDescriptor,
    ) -> None: ...


class RegisterSchema(Protocol):
    """The ``register`` callback handed to :func:`register_schema`."""

    def __call__(self, *, metadata: MetaData, migrations: Path) -> None: ...


@hookspec
def register_services(register: RegisterService, engine: Engine, settings: PluginSettings) -> None:
    """Contribute gRPC services.

    Call ``register(servicer=..., add_to_server=..., descriptor=...)`` once per
    service: the servicer instance (its handlers may be ``async def``, or plain
    functions, which the host runs on a worker thread), the generated
    ``add_<Service>Servicer_to_server`` function, and the service's descriptor
    (``<module>_pb2.DESCRIPTOR.services_by_name["<Service>"]``). The host derives
    the service's full name from the descriptor for reflection and health, and
    refuses a name that another plugin already registered.

    ``engine`` is the shared SQLAlchemy engine; ``settings`` holds this plugin's
    settings (environment variables ``CRM_<PLUGIN>__<KEY>``, keys lower-cased).
    """


@hookspec
def register_schema(register: RegisterSchema) -> None:
    """Contribute database tables and their migrations.

    Call ``register(metadata=..., migrations=...)`` with the SQLAlchemy
    ``MetaData`` holding the plugin's tables and the folder of its Alembic
    revision scripts (no ``env.py`` needed). The host keeps the plugin's
    revision in its own version table, ``alembic_version_<plugin>``, and
    upgrades it with ``crm-host migrate`` (``serve`` does it by itself on
    SQLite). Prefix table names with the plugin's name, so plugins never collide.
    """


@hookspec
def startup(engine: Engine, settings: PluginSettings) -> Awaitable[None] | None:
    """Prepare the plugin before the host accepts calls.

    Runs after every plugin registered its services and the schema exists. The
    implementation may be ``async def``. An exception stops the host before it
    listens, with a one-line error naming this plugin.
    """


@hookspec
def shutdown(engine: Engine, settings: PluginSettings) -> Awaitable[None] | None:
    """Release the plugin's resources.

    Runs once in-flight calls have finished (or the grace period ran out) and
    before the engine is disposed. The implementation may be ``async def``.
    Exceptions are logged; they do not stop the other plugins' shutdown.
    """
