"""The host's life cycle: build the server from the plugins, serve, and stop gracefully."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from sqlalchemy import Engine, MetaData

from crm_host import __version__, database, health, migrations, reflection
from crm_host.auth import Authenticator, Gatekeeper, Policy
from crm_host.hookspecs import PluginSettings
from crm_host.interceptors import HostInterceptor
from crm_host.migrations import PluginSchema
from crm_host.plugins import PluginError, PluginInfo, PluginManager, describe
from crm_host.registry import RegisteredService, ServiceRegistry

log = logging.getLogger("crm_host")

DEFAULT_LISTEN = "[::]:50051"
# How often readiness re-checks a database that did not answer at start-up.
DATABASE_RETRY_SECONDS = 1.0


class HostError(Exception):
    """The host cannot start; ``str()`` is one line for the operator."""


@dataclass(frozen=True)
class HostSettings:
    listen: str = DEFAULT_LISTEN
    database_url: str = database.DEFAULT_DATABASE_URL
    # Seconds in-flight calls get to finish after SIGTERM.
    grace: float = 10.0
    # Threads that run plain (non-async) handlers.
    sync_workers: int = field(default_factory=lambda: min(32, (os.cpu_count() or 1) + 4))
    plugin_settings: Mapping[str, PluginSettings] = field(default_factory=dict)
    # Upgrade plugin schemas on start: None means only for SQLite.
    migrate: bool | None = None

    def for_plugin(self, plugin: PluginInfo) -> PluginSettings:
        return self.plugin_settings.get(plugin.name, {})


def plugin_settings_from_env(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per-plugin settings from ``CRM_<PLUGIN>__<KEY>`` environment variables."""
    settings: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if name.startswith("CRM_") and "__" in name:
            plugin, key = name[len("CRM_") :].split("__", 1)
            settings.setdefault(plugin.lower(), {})[key.lower()] = value
    return settings


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
        await self.plugins.call_each("startup", engine=self.engine, per_plugin=self._settings_arg)
        self._plugins_started = True

        self._executor = ThreadPoolExecutor(self.settings.sync_workers, "crm-sync-handler")
        server = grpc.aio.server(
            migration_thread_pool=self._executor,
            interceptors=[HostInterceptor(await self._gatekeeper())],
            # Without this a second host on a taken port would silently share it.
            options=[("grpc.so_reuseport", 0)],
        )
        names = [service.full_name for service in self.services]
        for service in self.services:
            service.add_to_server(service.servicer, server)
        self.health = health.Health(names)
        self.health.add_to_server(server)
        reflection.enable(server, [*names, health.SERVICE_NAME])
        try:
            self.port = server.add_insecure_port(self.settings.listen)
        except RuntimeError as exc:
            raise HostError(
                f"cannot listen on {self.settings.listen}: the address is in use or invalid"
            ) from exc
        await self.health.start()
        await server.start()
        self._server = server
        self._readiness = asyncio.create_task(self._become_ready())
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
        # Probes and service discovery must work without credentials.
        policies = {
            f"/{name}/{method}": public
            for name, methods in (
                (health.SERVICE_NAME, ("Check", "Watch")),
                (reflection.V1ALPHA_SERVICE_NAME, ("ServerReflectionInfo",)),
                (reflection.V1_SERVICE_NAME, ("ServerReflectionInfo",)),
            )
            for method in methods
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

    async def _become_ready(self) -> None:
        assert self.health is not None
        while True:
            try:
                await asyncio.to_thread(database.ping, self.engine)
                break
            except Exception as exc:
                log.warning("database not answering (%s); retrying", type(exc).__name__)
                await asyncio.sleep(DATABASE_RETRY_SECONDS)
        await self.health.ready()

    async def wait_ready(self) -> None:
        if self._readiness is not None:
            await asyncio.shield(self._readiness)

    async def stop(self, grace: float | None = None) -> None:
        """Report NOT_SERVING, let in-flight calls finish, then shut the plugins down."""
        grace = self.settings.grace if grace is None else grace
        if self._readiness is not None:
            self._readiness.cancel()
        if self.health is not None:
            await self.health.shut_down()
        if self._server is not None:
            await self._server.stop(grace)
        if self._plugins_started:
            await self.plugins.call_each(
                "shutdown",
                engine=self.engine,
                per_plugin=self._settings_arg,
                reverse=True,
                on_error=lambda error: log.error("%s", error),
            )
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
