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

import argparse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    import grpc.aio
    from google.protobuf.descriptor import ServiceDescriptor
    from sqlalchemy import Engine, MetaData

    from crm_host.auth import Authenticator

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
        policies: Mapping[str, str] | None = None,
    ) -> None: ...


class RegisterAuthenticator(Protocol):
    """The ``register`` callback handed to :func:`register_authenticators`."""

    def __call__(self, authenticator: Authenticator) -> None: ...


class CommandRun(Protocol):
    """What a plugin command does: its exit code (or an awaitable of it)."""

    def __call__(
        self, args: argparse.Namespace, engine: Engine, settings: PluginSettings
    ) -> int | Awaitable[int]: ...


class RegisterCommand(Protocol):
    """The ``register`` callback handed to :func:`register_commands`."""

    def __call__(
        self,
        name: str,
        *,
        help: str,
        run: CommandRun,
        configure: Callable[[argparse.ArgumentParser], None] | None = None,
    ) -> None: ...


class Require(Protocol):
    """The ``require`` callback handed to :func:`declare_requirements`."""

    def __call__(self, *, plugins: Sequence[str] = (), host: str | None = None) -> None: ...


HealthCheck = Callable[[], Awaitable[bool]]
"""An async check: True (or None) while healthy; False or an exception when not."""


class RegisterHealthCheck(Protocol):
    """The ``register`` callback handed to :func:`register_health_checks`."""

    def __call__(self, check: HealthCheck) -> None: ...


class RegisterRole(Protocol):
    """The ``register`` callback handed to :func:`register_roles`."""

    def __call__(self, name: str, description: str) -> None: ...


class RegisterSchema(Protocol):
    """The ``register`` callback handed to :func:`register_schema`."""

    def __call__(self, *, metadata: MetaData, migrations: Path) -> None: ...


@hookspec
def register_services(register: RegisterService, engine: Engine, settings: PluginSettings) -> None:
    """Contribute gRPC services.

    Call ``register(servicer=..., add_to_server=..., descriptor=...,
    policies=...)`` once per service: the servicer instance (its handlers may be
    ``async def``, or plain functions, which the host runs on a worker thread),
    the generated ``add_<Service>Servicer_to_server`` function, the service's
    descriptor (``<module>_pb2.DESCRIPTOR.services_by_name["<Service>"]``), and
    each RPC's access policy by method name: ``"public"``,
    ``"authenticated"`` or ``"role:<name>"``. An RPC without a policy requires
    authentication, and the host logs a warning naming it. The host derives the
    service's full name from the descriptor for reflection and health, and
    refuses a name another plugin already registered, a policy for a method
    the service does not have, and a role no plugin registered.

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
    implementation may be ``async def``; a plain one runs on a thread of its
    own. An exception, or running past ``hook_timeout_seconds``, stops the host
    before it listens, with a one-line error naming this plugin.
    """


@hookspec
def shutdown(engine: Engine, settings: PluginSettings) -> Awaitable[None] | None:
    """Release the plugin's resources.

    Runs once in-flight calls have finished (or the grace period ran out) and
    before the engine is disposed. The implementation may be ``async def``; a
    plain one runs on a thread of its own. Exceptions, and running past
    ``hook_timeout_seconds``, are logged; they do not stop the other plugins'
    shutdown.
    """


@hookspec
def register_authenticators(
    register: RegisterAuthenticator, engine: Engine, settings: PluginSettings
) -> None:
    """Contribute a way to turn a bearer token into a caller.

    Call ``register(authenticator)`` with an async callable taking the token
    of the call's ``authorization: Bearer <token>`` metadata and returning a
    ``crm_host.auth.Principal`` (account id and roles), or None when the token
    is not one of its own or is no longer valid. The host tries the
    authenticators in plugin order, once per call.
    """


@hookspec
def register_roles(register: RegisterRole) -> None:
    """Declare the roles the plugin's principals can hold.

    Call ``register(name, description)`` per role. Access policies may only
    name registered roles (``role:<name>``).
    """


@hookspec
def register_commands(register: RegisterCommand) -> None:
    """Add subcommands to the ``crm-host`` command line, under the plugin's name.

    Call ``register(name, help=..., run=..., configure=...)`` per command; it
    becomes ``crm-host <plugin> <name>``. ``configure(parser)`` adds its
    arguments; ``run(args, engine, settings)`` does the work (it may be
    ``async def``) and returns the exit code. The host adds
    ``--database-url`` and prepares the schema as ``serve`` does first.
    """


@hookspec
def declare_requirements(require: Require) -> None:
    """Declare the plugins this plugin needs and the crm-host versions it supports.

    Call ``require(plugins=["accounts"], host=">=0.1,<1")`` (either argument
    may be left out; ``host`` is a PEP 440 version specifier). The host starts
    plugins, and runs their migrations, after the plugins they require, and
    refuses to start on a missing plugin, a cycle, or an unsupported host
    version, with one line naming both sides. Runs at load time: no I/O.
    """


@hookspec
def register_health_checks(register: RegisterHealthCheck) -> None:
    """Contribute checks of the plugin's own dependencies (a mail server, a queue...).

    Call ``register(check)`` with an async callable returning True while the
    dependency is fine. The host runs every check each
    ``health_check_interval_seconds``; while one fails, the plugin's services
    and the overall ``""`` status report NOT_SERVING, and they recover on their
    own. The database is checked by the host; don't check it again.
    """
