"""Plugins whose startup or shutdown hook never finishes, async or plain."""

from __future__ import annotations

import asyncio
import threading
import time

from crm_host import hookimpl

# Far longer than any test may wait: only the host's hook timeout ends these.
FOREVER = 3600.0


class AsyncStartupHangs:
    @hookimpl
    async def startup(self) -> None:
        await asyncio.sleep(FOREVER)


class SyncStartupHangs:
    """Blocks its thread; ``release`` lets an in-process test end it afterwards."""

    def __init__(self) -> None:
        self.release = threading.Event()

    @hookimpl
    def startup(self) -> None:
        self.release.wait(FOREVER)


class SleepingStartup:
    """A plain startup hook that cannot be woken at all, for `crm-host serve`."""

    @hookimpl
    def startup(self) -> None:
        time.sleep(FOREVER)


class AsyncShutdownHangs:
    @hookimpl
    async def shutdown(self) -> None:
        await asyncio.sleep(FOREVER)


class SyncShutdownHangs:
    def __init__(self) -> None:
        self.release = threading.Event()

    @hookimpl
    def shutdown(self) -> None:
        self.release.wait(FOREVER)


class SleepingShutdown:
    @hookimpl
    def shutdown(self) -> None:
        time.sleep(FOREVER)
