"""The host's life cycle: build the server from the plugins, serve, and stop gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Any

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2_grpc
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, MetaData

from crm_host import __version__, builtins
from crm_host._server import config, health, metrics, migrations, store, web
from crm_host._server.access import Gatekeeper
from crm_host._server.admission import HostInterceptor, MethodSpec
from crm_host._server.bounds import FieldBounds
from crm_host._server.config import HostSettings
from crm_host._server.migrations import PluginSchema
from crm_host._server.plugins import PluginError, PluginInfo, PluginManager, describe
from crm_host._server.proxies import TrustedProxies
from crm_host._server.registry import RegisteredService, ServiceRegistry
from crm_host.auth import Authenticator
from crm_host.database import Database
from crm_host.events import Event, Events
from crm_host.events.metrics import EventsCollector
from crm_host.events.relay import RelaySettings
from crm_host.events.runtime import EventSettings
from crm_host.events.types import DEFAULT_WATCH_ROLES, EventTypeError
from crm_host.hookspecs import HealthCheck, HealthScope
from crm_host.kit.runtime import Kit
from crm_host.settings import PluginSettings

log = logging.getLogger("crm_host")


class HostError(Exception):
    """The host cannot start; ``str()`` is one line for the operator."""


class Host:
    """One gRPC server serving every loaded plugin, with health and reflection."""

    def __init__(self, plugins: PluginManager, settings: HostSettings) -> None:
        self.health = health.Health()
        # Every role plugins registered: its description, and the plugin's name.
        self.roles: dict[str, tuple[str, str]] = {}
        try:
            self.engine: Engine = store.create_engine(settings.database_url)
        except store.DatabaseUrlError as exc:
            raise HostError(str(exc)) from None
        self.database = Database(self.engine)
        self.events = Events(
            self.database,
            EventSettings(
                poll_interval=settings.events_poll_interval_seconds,
                handler_attempts=settings.events_handler_attempts,
                handler_backoff=settings.events_handler_backoff_seconds,
                handler_timeout=settings.events_handler_timeout_seconds,
                retention=settings.events_retention_seconds,
                heartbeat=settings.events_heartbeat_seconds,
                purge_interval=settings.purge_interval_seconds,
                relay=None
                if settings.events_url is None
                else RelaySettings(
                    url=settings.events_url,
                    stream=settings.events_stream,
                    subject_prefix=settings.events_subject_prefix,
                    duplicate_window=settings.events_duplicate_window_seconds,
                ),
            ),
        )
        self.kit = Kit(self.database, self.events)
        builtins.add_services(
            plugins,
            self.health,
            lambda: [s.full_name for s in self.services],
            self.kit,
            settings.purge_interval_seconds,
            lambda: self.roles,
            self.events,
        )
        plugins.resolve_requirements(__version__)
        self.plugins = plugins
        self.settings = settings
        self.registry = ServiceRegistry()
        self.plugin_settings = self._validated_settings()
        self.port: int | None = None
        self.health_port: int | None = None
        self._servers: list[grpc.aio.Server] = []
        self._executor: ThreadPoolExecutor | None = None
        self._readiness: asyncio.Task[None] | None = None
        self._plugins_started = False
        self._ready = asyncio.Event()
        self.metrics_registry = CollectorRegistry()
        self.metrics = metrics.Metrics(self.metrics_registry)
        self.metrics_registry.register(EventsCollector(self.events))
        self.metrics_port: int | None = None
        self._metrics_server: Any = None
        self.http_port: int | None = None
        self._http: web.HttpListener | None = None

    @property
    def services(self) -> list[RegisteredService]:
        return self.registry.services

    def _validated_settings(self) -> dict[str, PluginSettings]:
        """Each plugin's settings, as the class it registered validates them."""
        declared: dict[str, type[PluginSettings]] = {}

        def registrar(info: PluginInfo) -> dict[str, Any]:
            def register(settings: type[PluginSettings]) -> None:
                if not (isinstance(settings, type) and issubclass(settings, PluginSettings)):
                    raise PluginError(
                        info, "register_settings needs a subclass of crm_host.PluginSettings"
                    )
                if info.name in declared:
                    raise PluginError(info, "register_settings was called twice")
                declared[info.name] = settings

            return {"register": register}

        self.plugins.call_each_now("register_settings", per_plugin=registrar)
        return {
            info.name: config.plugin_settings(
                declared.get(info.name, PluginSettings),
                info.name,
                self.settings.plugin_settings.get(info.name, {}),
            )
            for info in self.plugins.plugins
        }

    def _plugin_arguments(self, info: PluginInfo) -> dict[str, Any]:
        return {"settings": self.plugin_settings[info.name]}

    def _shared_arguments(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "engine": self.engine,
            "kit": self.kit,
            "events": self.events,
            "roles": MappingProxyType({name: d for name, (d, _) in self.roles.items()}),
        }

    async def register(self) -> None:
        """Collect every plugin's roles and services (no database access, no port)."""
        self.plugins.check_pending()

        def role_registrar(info: PluginInfo) -> dict[str, Any]:
            def register(name: str, description: str) -> None:
                if name in self.roles and self.roles[name][1] != info.name:
                    raise PluginError(
                        info,
                        f"role {name!r} is already registered by plugin {self.roles[name][1]!r}",
                    )
                self.roles[name] = (description, info.name)

            return {"register": register}

        self.roles.clear()
        await self.plugins.call_each("register_roles", per_plugin=role_registrar)
        await self.plugins.call_each(
            "register_services",
            **self._shared_arguments(),
            per_plugin=lambda info: {
                "register": self.registry.registrar(info),
                **self._plugin_arguments(info),
            },
        )
        await self._register_events()

    async def _register_events(self) -> None:
        """Every event type (the plugins' and the kit's resources'), then every handler."""

        def type_registrar(info: PluginInfo) -> dict[str, Any]:
            def register(
                name: str,
                message: type[Any],
                *,
                watch: Sequence[str] = DEFAULT_WATCH_ROLES,
                description: str = "",
            ) -> None:
                try:
                    self.events.types.declare(
                        info.name, name, message, watch=watch, description=description
                    )
                except EventTypeError as exc:
                    raise PluginError(info, str(exc)) from None

            return {"register": register, **self._plugin_arguments(info)}

        await self.plugins.call_each("register_event_types", per_plugin=type_registrar)
        try:
            self.kit.declare_events()
        except ValueError as exc:
            raise HostError(str(exc)) from None

        def handler_registrar(info: PluginInfo) -> dict[str, Any]:
            def register(name: str, types: Sequence[str], handler: Callable[[Event], Any]) -> None:
                try:
                    self.events.handlers.register(info.name, name, types, handler)
                except EventTypeError as exc:
                    raise PluginError(info, str(exc)) from None

            return {"register": register, **self._plugin_arguments(info)}

        await self.plugins.call_each(
            "register_event_handlers", **self._shared_arguments(), per_plugin=handler_registrar
        )

    async def start(self) -> int:
        """Create the schema, start the plugins and listen; return the bound port."""
        await self.register()
        await self.prepare_schema()
        await self.plugins.call_each(
            "startup",
            **self._shared_arguments(),
            per_plugin=self._plugin_arguments,
            time_limit=self.settings.hook_timeout_seconds,
        )
        self._plugins_started = True
        await self.events.start()

        self._executor = ThreadPoolExecutor(self.settings.sync_workers, "crm-sync-handler")
        interceptor = HostInterceptor(
            await self._gatekeeper(),
            self._method_specs(),
            metrics=self.metrics,
            default_deadline=self.settings.default_deadline_seconds or None,
            max_metadata_bytes=self.settings.max_metadata_bytes,
            receive_timeout=self.settings.receive_timeout_seconds or None,
            executor=self._executor,
            trusted_proxies=TrustedProxies(self.settings.trusted_networks),
        )
        interceptors = [*self._tracing(), interceptor]
        server = self._server(interceptors)
        for service in self.services:
            service.add_to_server(service.servicer, server)
        self.health.track(
            gated=[s.full_name for s in self.services if s.readiness],
            always=[s.full_name for s in self.services if not s.readiness],
        )
        self.port = self._listen(server, self.settings.listen, self._credentials())
        if self.settings.health_listen is not None:
            # Kubernetes' gRPC probes speak plaintext only: with TLS on the
            # main port they need a port of their own, serving nothing else.
            probes = self._server([interceptor])
            health_pb2_grpc.add_HealthServicer_to_server(self.health.servicer, probes)
            self.health_port = self._listen(probes, self.settings.health_listen, None)
        self.metrics.watch_pool(self.engine)
        self.metrics.plugins_loaded.set(len([p for p in self.plugins.plugins if not p.builtin]))
        if self.settings.metrics_listen is not None:
            try:
                self._metrics_server, self.metrics_port = metrics.serve(
                    self.settings.metrics_listen, self.metrics_registry
                )
            except OSError as exc:
                raise HostError(
                    f"cannot serve metrics on {self.settings.metrics_listen}: {exc.strerror}"
                ) from exc
        await self.health.start()
        for each in self._servers:
            await each.start()
        if self.settings.http_listen is not None:
            await self._serve_http(self.settings.http_listen, interceptors)
        checks: list[tuple[PluginInfo, HealthCheck, HealthScope]] = []

        def checker(info: PluginInfo) -> dict[str, Any]:
            def register(check: HealthCheck, *, scope: HealthScope = "plugin") -> None:
                if scope not in ("plugin", "host"):
                    raise PluginError(info, f"health check scope must be plugin or host: {scope!r}")
                checks.append((info, check, scope))

            return {"register": register, **self._plugin_arguments(info)}

        await self.plugins.call_each(
            "register_health_checks", **self._shared_arguments(), per_plugin=checker
        )
        self._readiness = asyncio.create_task(self._monitor(checks))
        log.info(
            "crm-host listening on %s (port %d) with plugins: %s",
            self.settings.listen,
            self.port,
            ", ".join(p.name for p in self.plugins.plugins if not p.builtin) or "none",
        )
        return self.port

    async def _serve_http(
        self, address: str, interceptors: list[grpc.aio.ServerInterceptor]
    ) -> None:
        """Every service over Connect and gRPC-Web too, through the same interceptors."""
        gateway = web.Gateway(
            web.routes(self.services),
            interceptors,
            max_message_bytes=self.settings.max_receive_message_bytes,
            cors_origins=self.settings.cors_origins,
            executor=self._executor,
        )
        try:
            listener = web.HttpListener(
                gateway,
                address,
                self.settings.grace,
                4 * self.settings.max_metadata_bytes,
                self.settings.http_max_connections,
            )
        except ValueError:
            raise HostError(f"cannot serve HTTP on {address}: expected host:port") from None
        except OSError as exc:
            raise HostError(f"cannot serve HTTP on {address}: {exc.strerror}") from None
        await listener.start()
        self._http = listener
        self.http_port = listener.port
        log.info("crm-host serving Connect and gRPC-Web on %s (port %d)", address, listener.port)

    def _server(self, interceptors: list[grpc.aio.ServerInterceptor]) -> grpc.aio.Server:
        server = grpc.aio.server(
            migration_thread_pool=self._executor,
            interceptors=interceptors,
            options=self.settings.server_options(),
        )
        self._servers.append(server)
        return server

    def _listen(
        self, server: grpc.aio.Server, address: str, credentials: grpc.ServerCredentials | None
    ) -> int:
        try:
            if credentials is None:
                port: int = server.add_insecure_port(address)
            else:
                port = server.add_secure_port(address, credentials)
        except RuntimeError as exc:
            raise HostError(
                f"cannot listen on {address}: the address is in use or invalid"
            ) from exc
        return port

    def _method_specs(self) -> dict[str, MethodSpec]:
        """Every method's kind and request bounds, from the services' descriptors."""
        specs = {}
        for service in self.services:
            for method in service.descriptor.methods:
                specs[service.method_path(method.name)] = MethodSpec(
                    client_streaming=method.client_streaming,
                    server_streaming=method.server_streaming,
                    bounds=FieldBounds.plan(
                        method.input_type,
                        self.settings.max_field_bytes,
                        service.field_max_bytes.get(method.name, {}),
                        service.full_name,
                    ),
                )
        return specs

    async def _gatekeeper(self) -> Gatekeeper:
        """Every RPC's access policy, checked against the roles plugins registered."""
        authenticators: list[Authenticator] = []
        await self.plugins.call_each(
            "register_authenticators",
            register=authenticators.append,
            **self._shared_arguments(),
            per_plugin=self._plugin_arguments,
        )
        roles = self.roles
        policies = {}
        for service in self.services:
            for method, policy in service.policies.items():
                if policy.role is not None and policy.role not in roles:
                    raise PluginError(
                        service.plugin,
                        f"{service.method_path(method)} requires the unknown role "
                        f"{policy.role!r} (registered roles: {', '.join(sorted(roles)) or 'none'})",
                    )
                policies[service.method_path(method)] = policy
            for method in service.undeclared:
                log.warning(
                    "%s declares no access policy; it requires authentication",
                    service.method_path(method),
                )
        return Gatekeeper(policies, authenticators)

    def _tracing(self) -> list[grpc.aio.ServerInterceptor]:
        """OpenTelemetry's server interceptor, outermost, when tracing is on.

        It awaits every handler, so it cannot wrap plain sync handlers (which
        grpc must run on worker threads): refuse those instead of breaking them.
        """
        if not self.settings.tracing:
            return []
        try:
            from opentelemetry.instrumentation.grpc import aio_server_interceptor
        except ImportError:
            raise HostError(
                "tracing needs opentelemetry-instrumentation-grpc: install crm-host[tracing]"
            ) from None
        plain = [
            f"{service.full_name}/{method.name}"
            for service in self.services
            for method in service.descriptor.methods
            if not (
                inspect.iscoroutinefunction(getattr(service.servicer, method.name))
                or inspect.isasyncgenfunction(getattr(service.servicer, method.name))
            )
        ]
        if plain:
            raise HostError("tracing cannot wrap plain (sync) handlers: " + ", ".join(plain))
        interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor()  # type: ignore[no-untyped-call]
        return [interceptor]

    def _credentials(self) -> grpc.ServerCredentials | None:
        """TLS credentials when a certificate is configured; mutual TLS with a client CA."""
        settings = self.settings
        if settings.tls_cert is None or settings.tls_key is None:
            return None

        def read(path: str, what: str) -> bytes:
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                raise HostError(f"cannot read the TLS {what} {path}: {exc.strerror}") from None

        try:
            # grpc reports an unusable pair as an unusable address; ssl says why.
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                settings.tls_cert, settings.tls_key
            )
        except (OSError, ssl.SSLError) as exc:
            raise HostError(
                f"cannot use the TLS certificate {settings.tls_cert} and key {settings.tls_key}: "
                f"{exc.strerror or exc}"
            ) from None
        pair = (read(settings.tls_key, "key"), read(settings.tls_cert, "certificate"))
        client_ca = None
        if settings.tls_client_ca is not None:
            client_ca = read(settings.tls_client_ca, "client CA")
        return grpc.ssl_server_credentials(
            [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
        )

    async def schemas(self) -> list[PluginSchema]:
        """Every plugin's registered tables and migrations, in plugin order."""
        schemas: list[PluginSchema] = []

        def registrar(info: PluginInfo) -> dict[str, Any]:
            def register(*, metadata: MetaData, migrations: Path) -> None:
                schemas.append(PluginSchema(info, metadata, Path(migrations)))

            return {"register": register}

        await self.plugins.call_each("register_schema", per_plugin=registrar)
        return schemas

    async def prepare_schema(self) -> None:
        """Migrate, or refuse to start on an outdated schema.

        The embedded SQLite default migrates by itself; a shared database is
        migrated only when asked (``--migrate`` or ``crm-host migrate``),
        because replicas of an older version may still be using it.
        """
        schemas = await self.schemas()
        if not schemas:
            return
        migrate = self.settings.migrate
        if migrate is None:
            migrate = self.engine.dialect.name == "sqlite"
        try:
            if migrate:
                await asyncio.to_thread(migrations.upgrade_all, self.engine, schemas)
                return
            behind = await asyncio.to_thread(migrations.outdated, self.engine, schemas)
        except Exception as exc:
            raise HostError(f"cannot prepare the database schema: {describe(exc)}") from exc
        if any(b.unknown for b in behind):
            raise HostError("; ".join(str(b) for b in behind if b.unknown))
        if behind:
            raise HostError(
                "; ".join(str(b) for b in behind)
                + ": run `crm-host migrate` or start with --migrate"
            )

    async def _monitor(self, checks: list[tuple[PluginInfo, HealthCheck, HealthScope]]) -> None:
        """Keep readiness and the service statuses in step with their dependencies.

        Every health_check_interval_seconds, each plugin's checks (the
        database's among them, from a built-in plugin). A failing check takes
        its plugin's services (and "") NOT_SERVING, or with scope "host" all
        of them. A bug in here must not freeze the statuses: it is logged and
        reported as NOT_SERVING, and the next round tries again.
        """
        interval = self.settings.health_check_interval_seconds
        gated = [s for s in self.services if s.readiness]
        while True:
            try:
                serving = await self._check_round(checks, gated)
            except Exception:
                log.exception("health checking failed; reporting NOT_SERVING")
                serving = dict.fromkeys([health.OVERALL, *(s.full_name for s in gated)], False)
            for name in await self.health.update(serving):
                log.log(
                    logging.INFO if serving[name] else logging.WARNING,
                    "health of %r: %s",
                    name,
                    "SERVING" if serving[name] else "NOT_SERVING",
                )
            if serving[health.OVERALL]:
                self._ready.set()
            await asyncio.sleep(interval)

    async def _check_round(
        self,
        checks: list[tuple[PluginInfo, HealthCheck, HealthScope]],
        gated: list[RegisteredService],
    ) -> dict[str, bool]:
        failing: set[PluginInfo] = set()
        host_down = False
        for info, check, scope in checks:
            if not await self._answers(check):
                failing.add(info)
                host_down = host_down or scope == "host"
        serving = {
            service.full_name: not host_down and service.plugin not in failing for service in gated
        }
        serving[health.OVERALL] = not failing
        return serving

    async def _answers(self, probe: Callable[[], Awaitable[object]]) -> bool:
        """Whether ``probe()`` finishes without error within a few check intervals."""
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow
            # the cancellation stop() sends when the probe finishes at that
            # moment, and the monitor then runs on, and stop() waits forever.
            async with asyncio.timeout(max(1.0, 4 * self.settings.health_check_interval_seconds)):
                result = await probe()
        except Exception as exc:
            log.debug("health probe failed: %s", describe(exc))
            return False
        return result is not False

    async def wait_ready(self) -> None:
        """Until readiness has been SERVING once."""
        await self._ready.wait()

    async def stop(self, grace: float | None = None) -> None:
        """Report NOT_SERVING, let in-flight calls finish, then shut the plugins down."""
        drain = grace is None
        grace = self.settings.grace if grace is None else grace
        if self._readiness is not None:
            self._readiness.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._readiness
            self._readiness = None
        if self._servers:
            await self.health.shut_down()
            if drain and self.settings.drain_delay:
                # Load balancers and Kubernetes need a moment to see NOT_SERVING
                # and send new calls elsewhere; until then keep serving them.
                log.info("draining: NOT_SERVING for %ss before stopping", self.settings.drain_delay)
                await asyncio.sleep(self.settings.drain_delay)
        http, self._http = self._http, None
        await asyncio.gather(
            *(server.stop(grace) for server in self._servers),
            *([http.stop()] if http is not None else []),
        )
        self._servers = []
        if self._metrics_server is not None:
            await asyncio.to_thread(metrics.stop, self._metrics_server)
            self._metrics_server = None
        await self.events.stop()
        if self._plugins_started:
            self._plugins_started = False
            await self.plugins.call_each(
                "shutdown",
                **self._shared_arguments(),
                per_plugin=self._plugin_arguments,
                reverse=True,
                on_error=lambda error: log.error("%s", error),
                time_limit=self.settings.hook_timeout_seconds,
            )
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
