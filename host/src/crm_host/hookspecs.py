"""The whole plugin contract of CRM Host.

A plugin is a module (or object) with functions decorated with
``crm_host.hookimpl`` whose names match the hooks below. An implementation may
accept any subset of a hook's arguments, so new arguments can be added to a
hook later without breaking existing plugins.

The host calls each hook once per plugin, plugins after the ones they require
(``declare_requirements``) and otherwise in load order (``shutdown`` in the
reverse order), and attributes any exception to the plugin that raised it. The
host's own parts (health, reflection, the database check, the built-in
commands) are plugins too, registered before the installed ones. A hook
implementation that matches no hook below is an error at start-up, and so is
one marked ``tryfirst``, ``trylast``, ``wrapper`` or ``hookwrapper``: the
order is the dependency order.

Arguments many hooks share:

- ``database``: the host's :class:`crm_host.Database` (transactions off the
  event loop, fast keyed reads);
- ``engine``: the same database's SQLAlchemy ``Engine``;
- ``settings``: this plugin's settings, an instance of the class it registered
  with :func:`register_settings` (validated before anything starts);
- ``events``: the host's :class:`crm_host.events.Events`
  (``events.publish(session, type, subject, message)``, docs/events.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pluggy

if TYPE_CHECKING:
    import click
    import grpc.aio
    from google.protobuf.descriptor import ServiceDescriptor
    from sqlalchemy import Engine, MetaData

    from crm_host.auth import Authenticator
    from crm_host.database import Database
    from crm_host.events import Event, Events
    from crm_host.kit import Kit
    from crm_host.settings import PluginSettings

PROJECT_NAME = "crm_host"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


class RegisterService(Protocol):
    """The ``register`` callback handed to :func:`register_services`."""

    def __call__(
        self,
        *,
        servicer: object,
        add_to_server: Callable[[Any, grpc.aio.Server], None],
        descriptor: ServiceDescriptor,
        policies: Mapping[str, str] | None = None,
        field_max_bytes: Mapping[str, Mapping[str, int]] | None = None,
        readiness: bool = True,
    ) -> None: ...


class RegisterSettings(Protocol):
    """The ``register`` callback handed to :func:`register_settings`."""

    def __call__(self, settings: type[PluginSettings]) -> None: ...


class RegisterAuthenticator(Protocol):
    """The ``register`` callback handed to :func:`register_authenticators`."""

    def __call__(self, authenticator: Authenticator) -> None: ...


class RegisterCommand(Protocol):
    """The ``register`` callback handed to :func:`register_commands`."""

    def __call__(self, command: click.Command) -> None: ...


class Require(Protocol):
    """The ``require`` callback handed to :func:`declare_requirements`."""

    def __call__(self, *, plugins: Sequence[str] = (), host: str | None = None) -> None: ...


HealthCheck = Callable[[], Awaitable[bool | None]]
"""An async check: True (or None) while healthy; False or an exception when not."""

HealthScope = Literal["plugin", "host"]
"""What a failing check takes NOT_SERVING: the plugin's services, or all of them."""


class RegisterHealthCheck(Protocol):
    """The ``register`` callback handed to :func:`register_health_checks`."""

    def __call__(self, check: HealthCheck, *, scope: HealthScope = "plugin") -> None: ...


class RegisterRole(Protocol):
    """The ``register`` callback handed to :func:`register_roles`."""

    def __call__(self, name: str, description: str) -> None: ...


class RegisterSchema(Protocol):
    """The ``register`` callback handed to :func:`register_schema`."""

    def __call__(self, *, metadata: MetaData, migrations: Path) -> None: ...


class RegisterEventType(Protocol):
    """The ``register`` callback handed to :func:`register_event_types`."""

    def __call__(
        self, name: str, message: type[Any], *, watch: Sequence[str] = ..., description: str = ""
    ) -> None: ...


EventHandler = Callable[["Event"], Awaitable[None] | None]
"""Handles one event; raising (or running too long) makes the host retry it later."""


class RegisterEventHandler(Protocol):
    """The ``register`` callback handed to :func:`register_event_handlers`."""

    def __call__(self, name: str, types: Sequence[str], handler: EventHandler) -> None: ...


@hookspec
def register_settings(register: RegisterSettings) -> None:
    """Declare the type of the plugin's settings.

    Call ``register(settings_class)`` once with a subclass of
    ``crm_host.PluginSettings`` (a pydantic model). The host fills it from the
    ``[plugins.<name>]`` table of the configuration file, ``CRM_<PLUGIN>__<KEY>``
    environment variables and ``--set <plugin>.<key>=<value>`` flags, refuses
    to start on an invalid or unknown key with one line naming it and its
    source, and passes the instance to the other hooks as ``settings``.
    ``crm-host config`` shows every field. Runs at load time: no I/O.
    """


@hookspec
def register_services(
    register: RegisterService,
    kit: Kit,
    roles: Mapping[str, str],
    database: Database,
    engine: Engine,
    settings: PluginSettings,
    events: Events,
) -> None:
    """Contribute gRPC services.

    Call ``register(servicer=..., add_to_server=..., descriptor=...,
    policies=..., field_max_bytes=..., readiness=...)`` once per service:

    - ``servicer``: the servicer instance; its handlers may be ``async def``
      (preferred) or plain functions, which the host runs on worker threads;
    - ``add_to_server``: the generated ``add_<Service>Servicer_to_server``;
    - ``descriptor``: ``<module>_pb2.DESCRIPTOR.services_by_name["<Service>"]``;
      the host derives the service's full name, its methods and their kinds
      (unary or streaming) from it;
    - ``policies``: each RPC's access policy by method name: ``"public"``,
      ``"authenticated"`` or ``"role:<name>"``. An RPC without one requires
      authentication, and the host logs a warning naming it;
    - ``field_max_bytes``: by method name, the largest size in bytes (UTF-8
      for strings) of request fields by path (``"account.name"``), where it
      should differ from the host's ``max_field_bytes``. The host refuses a
      larger field with INVALID_ARGUMENT naming it before the handler runs,
      so handlers may normalize and parse what they get;
    - ``readiness``: False for a service that works whatever the database
      does (health, reflection); its health status then stays SERVING.

    The host refuses a service name another plugin registered, a policy or a
    size for a method the service does not have, and a role no plugin
    registered.

    ``roles`` maps every role the loaded plugins registered (all of them have,
    by then) to its description.

    ``kit`` is the host's resource kit: ``kit.serve(register, servicer,
    descriptor, add_to_server, resources=[...])`` registers a service whose
    standard methods (Get, List, Create, Update, Delete, Undelete) the kit
    serves from each ``crm_host.kit.Resource`` declaration (docs/resources.md).
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
def startup(
    database: Database, engine: Engine, settings: PluginSettings, events: Events
) -> Awaitable[None] | None:
    """Prepare the plugin before the host accepts calls.

    Runs after every plugin registered its services and the schema exists. The
    implementation may be ``async def``; a plain one runs on a thread of its
    own. An exception, or running past ``hook_timeout_seconds``, stops the host
    before it listens, with a one-line error naming this plugin.
    """


@hookspec
def shutdown(
    database: Database, engine: Engine, settings: PluginSettings
) -> Awaitable[None] | None:
    """Release the plugin's resources.

    Runs once in-flight calls have finished (or the grace period ran out) and
    before the engine is disposed. The implementation may be ``async def``; a
    plain one runs on a thread of its own. Exceptions, and running past
    ``hook_timeout_seconds``, are logged; they do not stop the other plugins'
    shutdown.
    """


@hookspec
def register_authenticators(
    register: RegisterAuthenticator, database: Database, engine: Engine, settings: PluginSettings
) -> None:
    """Contribute a way to turn a bearer token into a caller.

    Call ``register(authenticator)`` with an async callable taking the token
    of the call's ``authorization: Bearer <token>`` metadata and returning a
    ``crm_host.Principal`` (account id and roles), or None when the token is
    not one of its own or is no longer valid. The host tries the
    authenticators in plugin order, once per call.
    """


@hookspec
def register_roles(register: RegisterRole) -> None:
    """Declare the roles the plugin's principals can hold.

    Call ``register(name, description)`` per role. Access policies may only
    name registered roles (``role:<name>``); two plugins may not register one
    name. ``crm.host.v1.HostService/ListRoles`` lists them. Runs before
    ``register_services``.
    """


@hookspec
def register_commands(register: RegisterCommand) -> None:
    """Add subcommands to the ``crm-host`` command line, under the plugin's name.

    Call ``register(command)`` with a ``click.Command``; it becomes
    ``crm-host <plugin> <name>`` and is listed by ``crm-host --help``. The
    host adds the shared options (``--config``, ``--plugins``,
    ``--database-url``, ``--set``, ``--log-format``, ``--debug``), loads the
    configured plugins, prepares the schema as ``serve`` does, and hands the
    command a :class:`crm_host.CommandContext` (``@click.pass_obj``) with
    ``database``, ``engine`` and this plugin's ``settings``. The callback may
    be ``async def``; what it returns is the exit code (None for 0).
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
def register_health_checks(
    register: RegisterHealthCheck, database: Database, engine: Engine, settings: PluginSettings
) -> None:
    """Contribute checks of the plugin's own dependencies (a mail server, a queue...).

    Call ``register(check)`` with an async callable returning True while the
    dependency is fine. The host runs every check each
    ``health_check_interval_seconds``; while one fails, the plugin's services
    and the overall ``""`` status report NOT_SERVING, and they recover on their
    own. ``scope="host"`` makes a failing check take every service NOT_SERVING
    (the host's database check does). The database is checked by the host;
    don't check it again.
    """


@hookspec
def register_event_types(register: RegisterEventType, settings: PluginSettings) -> None:
    """Declare the event types the plugin publishes.

    Call ``register(name, message, watch=[...], description=...)`` per type:

    - ``name``: ``<plugin>.<resource>.<verb>.v<N>`` in lower case
      (``accounts.account.disabled.v1``), starting with the plugin's name;
    - ``message``: the protobuf message class its events carry; it may not
      have a field (at any depth) whose name holds ``password``, ``hash``,
      ``token``, ``secret`` or ``credential``, since events are kept and watched;
    - ``watch``: the roles whose holders may watch the type (default ``admin``).

    The kit declares the standard events of each resource it serves itself.
    Runs after ``register_services``. A type declared twice, or badly, stops
    the host with one line naming it.
    """


@hookspec
def register_event_handlers(
    register: RegisterEventHandler,
    database: Database,
    engine: Engine,
    kit: Kit,
    events: Events,
    settings: PluginSettings,
) -> None:
    """Handle events, the plugin's own or other plugins', in process.

    Call ``register(name, types, handler)``: ``types`` lists event types or
    patterns (``accounts.account.*``, ``*``); ``handler`` is an async (or
    plain) callable taking a :class:`crm_host.events.Event`. Delivery is at
    least once, in sequence order, on one replica at a time: de-duplicate by
    ``event.id`` where handling twice matters. A handler that raises gets the
    event again after a backoff, and after ``events_handler_attempts``
    failures the event is dead-lettered (docs/events.md). A new handler
    starts with the events published after it was first registered.
    """
