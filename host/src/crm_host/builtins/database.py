"""The database readiness check, as a built-in plugin: while the database does not
answer, every service reports NOT_SERVING."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from crm_host import hookimpl
from crm_host._server import store
from crm_host.hookspecs import RegisterHealthCheck


class DatabaseCheck:
    """Pings the database, one ping at a time on a thread of its own.

    A database that hangs must neither pile up threads nor take the pool
    that plugins' calls run on.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(1, "crm-health-ping")
        self._pinging: asyncio.Future[None] | None = None

    @hookimpl
    def register_health_checks(self, register: RegisterHealthCheck, engine: Engine) -> None:
        async def ping() -> None:
            if self._pinging is not None and not self._pinging.done():
                raise TimeoutError("the previous database ping has not returned")
            loop = asyncio.get_running_loop()
            self._pinging = loop.run_in_executor(self._executor, store.ping, engine)
            await asyncio.shield(self._pinging)

        register(ping, scope="host")

    @hookimpl
    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
