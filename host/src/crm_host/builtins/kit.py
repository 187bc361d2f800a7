"""The resource kit's own tables and housekeeping, as a built-in plugin.

Its tables (host secrets, answered request ids) migrate before any plugin's.
Once every plugin has registered, it checks that each declared reference
names a resource some plugin serves, and then purges, every
``purge_interval_seconds``, soft-deleted resources past their expire time
and request ids older than their retention.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from pathlib import Path

import crm_host.kit
from crm_host import hookimpl
from crm_host._server.plugins import PluginError, PluginInfo
from crm_host.hookspecs import RegisterSchema
from crm_host.kit import store
from crm_host.kit.runtime import Kit

log = logging.getLogger("crm_host.kit")

MIGRATIONS = Path(crm_host.kit.__file__).parent / "migrations"
# How long a request_id is remembered (AIP-155 leaves it to the service).
REQUEST_ID_RETENTION = timedelta(days=7)


class KitPlugin:
    def __init__(self, kit: Kit, interval: float) -> None:
        self.kit = kit
        self.interval = interval
        self._purging: asyncio.Task[None] | None = None

    @hookimpl
    def register_schema(self, register: RegisterSchema) -> None:
        register(metadata=store.Base.metadata, migrations=MIGRATIONS)

    @hookimpl
    async def startup(self) -> None:
        problems = self.kit.check_references()
        if problems:
            raise PluginError(PluginInfo("host.kit", builtin=True), "; ".join(problems))
        if self.interval > 0:
            self._purging = asyncio.create_task(self._purge_forever())

    @hookimpl
    async def shutdown(self) -> None:
        if self._purging is not None:
            self._purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purging

    async def _purge_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                removed = await self.kit.purge(retention=REQUEST_ID_RETENTION)
            except Exception as exc:
                # An outage or a lock: the next round tries again.
                log.warning("purging expired resources failed: %s", type(exc).__name__)
                continue
            if removed:
                log.info("purged %d expired resources and request ids", removed)
