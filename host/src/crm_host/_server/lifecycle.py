"""The host's life cycle: build the server from the plugins, serve, and stop gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import os
import ssl
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from google.protobuf import descriptor_pool
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, MetaData

from crm_host import __version__
from crm_host._server import health, metrics, migrations, reflection
from crm_host._server import store as database
from crm_host._server.admission import HostInterceptor
from crm_host._server.config import DEFAULTS, OPTIONS, Config
from crm_host._server.migrations import PluginSchema
from crm_host._server.plugins import PluginError, PluginInfo, PluginManager, describe
from crm_host._server.registry import RegisteredService, ServiceRegistry
from crm_host.auth import Authenticator, Gatekeeper, Policy
from crm_host.hookspecs import HealthCheck, PluginSettings

log = logging.getLogger("crm_host")


class HostError(Exception):
    """The host cannot start; ``str()`` is one line for the operator."""


@dataclass(frozen=True)
class HostSettings:
    """What a host runs with; crm_host._server.config documents each field and its default."""

    listen: str = DEFAULTS["listen"]
    database_url: str = DEFAULTS["database_url"]
    grace: float = DEFAULTS["grace"]
    drain_delay: float = DEFAULTS["drain_delay"]
    # Threads that run plain (non-async) handlers.
    sync_workers: int = field(default_factory=lambda: min(32, (os.cpu_count() or 1) + 4))
    plugin_settings: Mapping[str, PluginSettings] = field(default_factory=dict)
    # Upgrade plugin schemas on start: None means only for SQLite.
    migrate: bool | None = DEFAULTS["migrate"]
    tls_cert: str | None = DEFAULTS["tls_cert"]
    tls_key: str | None = DEFAULTS["tls_key"]
    tls_client_ca: str | None = DEFAULTS["tls_client_ca"]
    max_receive_message_bytes: int = DEFAULTS["max_receive_message_bytes"]
    max_concurrent_streams: int = DEFAULTS["max_concurrent_streams"]
    keepalive_time_seconds: float = DEFAULTS["keepalive_time_seconds"]
    keepalive_timeout_seconds: float = DEFAULTS["keepalive_timeout_seconds"]
    keepalive_min_ping_interval_seconds: float = DEFAULTS["keepalive_min_ping_interval_seconds"]
    max_connection_age_seconds: float = DEFAULTS["max_connection_age_seconds"]
    max_connection_age_grace_seconds: float = DEFAULTS["max_connection_age_grace_seconds"]
    default_deadline_seconds: float = DEFAULTS["default_deadline_seconds"]
    health_check_interval_seconds: float = DEFAULTS["health_check_interval_seconds"]
    hook_timeout_seconds: float = DEFAULTS["hook_timeout_seconds"]
    # host:port for Prometheus metrics over HTTP; None serves none.
    metrics_listen: str | None = DEFAULTS["metrics_listen"]
    tracing: bool = DEFAULTS["tracing"]
    # Share the port with the other processes of `serve --workers N` (SO_REUSEPORT);
    # otherwise a second host on a taken port would silently share it.
    reuse_port: bool = False

    @classmethod
    def from_config(cls, config: Config) -> HostSettings:
        names = {f.name for f in dataclasses.fields(cls)} & {o.name for o in OPTIONS}
        values = {name: config[name] for name in names}
        return cls(**values, plugin_settings=config.plugin_settings())

    def for_plugin(self, plugin: PluginInfo) -> PluginSettings:
        return self.plugin_settings.get(plugin.name, {})

    def server_options(self) -> list[tuple[str, int]]:
        """grpc core channel arguments for these limits."""
        ms = 1000
        return [
            ("grpc.so_reuseport", int(self.reuse_port)),
            ("grpc.max_receive_message_length", self.max_receive_message_bytes),
            ("grpc.max_concurrent_streams", self.max_concurrent_streams),
            ("grpc.keepalive_time_ms", int(self.keepalive_time_seconds * ms)),
            ("grpc.keepalive_timeout_ms", int(self.keepalive_timeout_seconds * ms)),
            (
                "grpc.http2.min_ping_interval_without_data_ms",
                int(self.keepalive_min_ping_interval_seconds * ms),
            ),
            ("grpc.max_connection_age_ms", int(self.max_connection_age_seconds * ms)),
            ("grpc.max_connection_age_grace_ms", int(self.max_connection_age_grace_seconds * ms)),
        ]


class Host:
    """One gRPC server serving every loaded plugin, with health and reflection."""

    def __init__(self, plugins: PluginManager, settings: HostSettings) -> None:
        plugins.resolve_requirements(__version__)
        self.plugins = plugins
        self.settings = settings
        self.registry = ServiceRegistry(
            reserved=(
                health.SERVICE_NAME,
                reflection.V1ALPHA_SERVICE_NAME,
                reflection.V1_SERVICE_NAME,
            )
        )
        self.engine: Engine = database.create_engine(settings.database_url)
        self.health: health.Health | None = None
        self.port: int | None = None
        self._server: grpc.aio.Server | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._readiness: asyncio.Task[None] | None = None
        self._plugins_started = False
        self._ready = asyncio.Event()
        self._ping_executor = ThreadPoolExecutor(1, "crm-health-ping")
        self._pinging: asyncio.Future[None] | None = None
        self.metrics_registry = CollectorRegistry()
        self.metrics = metrics.Metrics(self.metrics_registry)
        self.metrics_port: int | None = None
        self._metrics_server: Any = None

    @property
    def services(self) -> list[RegisteredService]:
        return self.registry.services

    async def register(self) -> None:
        """Collect every plugin's services (no database access, no port)."""
        self.plugins.check_pending()
        await self.plugins.call_each(
            "register_services",
            engine=self.engine,
            per_plugin=lambda info: {
                "register": self.registry.registrar(info),
                "settings": self.settings.for_plugin(info),
            },
        )

    async def start(self) -> int:
        """Create the schema, start the plugins and listen; return the bound port."""
        await self.register()
        await self.prepare_schema()
        await self.plugins.call_each(
            "startup",
            engine=self.engine,
            per_plugin=self._settings_arg,
            time_limit=self.settings.hook_timeout_seconds,
        )
        self._plugins_started = True

        self._executor = ThreadPoolExecutor(self.settings.sync_workers, "crm-sync-handler")
        server = grpc.aio.server(
            migration_thread_pool=self._executor,
            interceptors=[
                *self._tracing(),
                HostInterceptor(
                    await self._gatekeeper(),
                    metrics=self.metrics,
                    default_deadline=self.settings.default_deadline_seconds or None,
                ),
            ],
            options=self.settings.server_options(),
        )
        names = [service.full_name for service in self.services]
        for service in self.services:
            service.add_to_server(service.servicer, server)
        self.health = health.Health(names)
        self.health.add_to_server(server)
        reflection.enable(server, [*names, health.SERVICE_NAME])
        try:
            credentials = self._credentials()
            if credentials is None:
                self.port = server.add_insecure_port(self.settings.listen)
            else:
                self.port = server.add_secure_port(self.settings.listen, credentials)
        except RuntimeError as exc:
            raise HostError(
                f"cannot listen on {self.settings.listen}: the address is in use or invalid"
            ) from exc
        self.metrics.watch_pool(self.engine)
        self.metrics.plugins_loaded.set(len(self.plugins.plugins))
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
        await server.start()
        self._server = server
        checks: list[tuple[PluginInfo, HealthCheck]] = []

        def checker(info: PluginInfo) -> dict[str, Any]:
            return {"register": lambda check: checks.append((info, check))}

        await self.plugins.call_each("register_health_checks", per_plugin=checker)
        self._readiness = asyncio.create_task(self._monitor(checks))
        log.info(
            "crm-host listening on %s (port %d) with plugins: %s",
            self.settings.listen,
            self.port,
            ", ".join(p.name for p in self.plugins.plugins) or "none",
        )
        return self.port

    async def _gatekeeper(self) -> Gatekeeper:
        """Every RPC's access policy, checked against the roles plugins registered."""
        authenticators: list[Authenticator] = []
        roles: dict[str, str] = {}
        await self.plugins.call_each(
            "register_authenticators",
            register=authenticators.append,
            engine=self.engine,
            per_plugin=self._settings_arg,
        )

        def role_registrar(info: PluginInfo) -> dict[str, Any]:
            def register(name: str, description: str) -> None:
                roles[name] = description

            return {"register": register}

        await self.plugins.call_each("register_roles", per_plugin=role_registrar)
        public = Policy.parse("public")
        # Probes and service discovery must work without credentials: every
        # method of the standard services, as their descriptors list them.
        pool = descriptor_pool.Default()
        v1alpha = pool.FindServiceByName(reflection.V1ALPHA_SERVICE_NAME)
        standard = {
            health.SERVICE_NAME: pool.FindServiceByName(health.SERVICE_NAME),
            reflection.V1ALPHA_SERVICE_NAME: v1alpha,
            # Wire-identical to v1alpha (crm_host._server.reflection), and not yet in the pool.
            reflection.V1_SERVICE_NAME: v1alpha,
        }
        policies = {
            f"/{name}/{method.name}": public
            for name, service in standard.items()
            for method in service.methods
        }
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

    def _settings_arg(self, info: PluginInfo) -> dict[str, Any]:
        return {"settings": self.settings.for_plugin(info)}

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

    async def _monitor(self, checks: list[tuple[PluginInfo, HealthCheck]]) -> None:
        """Keep readiness and the service statuses in step with their dependencies.

        Every health_check_interval_seconds: the database, then each plugin's
        checks. A failing plugin check takes that plugin's services (and "")
        NOT_SERVING; a database that does not answer takes them all. A bug in
        here must not freeze the statuses: it is logged and reported as
        NOT_SERVING, and the next round tries again.
        """
        assert self.health is not None
        interval = self.settings.health_check_interval_seconds
        while True:
            try:
                serving = await self._check_round(checks)
            except Exception:
                log.exception("health checking failed; reporting NOT_SERVING")
                serving = dict.fromkeys(
                    [health.OVERALL, *(s.full_name for s in self.services)], False
                )
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

    async def _check_round(self, checks: list[tuple[PluginInfo, HealthCheck]]) -> dict[str, bool]:
        database_up = await self._answers(self._ping)
        failing = set()
        for info, check in checks:
            if not await self._answers(check):
                failing.add(info)
        serving = {
            service.full_name: database_up and service.plugin not in failing
            for service in self.services
        }
        serving[health.OVERALL] = database_up and not failing
        return serving

    async def _ping(self) -> None:
        # One ping at a time on a thread of its own: a database that hangs must
        # neither pile up threads nor take the pool plugins' calls run on.
        if self._pinging is not None and not self._pinging.done():
            raise TimeoutError("the previous database ping has not returned")
        loop = asyncio.get_running_loop()
        self._pinging = loop.run_in_executor(self._ping_executor, database.ping, self.engine)
        await asyncio.shield(self._pinging)

    async def _answers(self, probe: Callable[[], Awaitable[object]]) -> bool:
        """Whether ``probe()`` finishes without error within a few check intervals."""
        try:
            result = await asyncio.wait_for(
                probe(), timeout=max(1.0, 4 * self.settings.health_check_interval_seconds)
            )
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
        if self.health is not None:
            await self.health.shut_down()
            if drain and self.settings.drain_delay:
                # Load balancers and Kubernetes need a moment to see NOT_SERVING
                # and send new calls elsewhere; until then keep serving them.
                log.info("draining: NOT_SERVING for %ss before stopping", self.settings.drain_delay)
                await asyncio.sleep(self.settings.drain_delay)
        if self._server is not None:
            await self._server.stop(grace)
        if self._metrics_server is not None:
            await asyncio.to_thread(metrics.stop, self._metrics_server)
            self._metrics_server = None
        if self._plugins_started:
            self._plugins_started = False
            await self.plugins.call_each(
                "shutdown",
                engine=self.engine,
                per_plugin=self._settings_arg,
                reverse=True,
                on_error=lambda error: log.error("%s", error),
                time_limit=self.settings.hook_timeout_seconds,
            )
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._ping_executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
