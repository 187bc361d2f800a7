"""NATS stopped for 10 s during a stream of writes: every event reaches JetStream once.

The server is a throw-away ``nats-server`` of the test's own, on a free
loopback port, with JetStream storage in the test's directory, so stopping it
disturbs nothing else. While it is down, writes and readiness are unaffected;
events wait in the outbox and the relay sends them once it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.js.errors import NotFoundError

from crm_host.testing import start_test_host, stop_test_host
from reliability.pgcluster import free_port
from testplugins._proto.crmtest.v1 import widgets_pb2
from testplugins.bells import RUNG, BellsPlugin
from testplugins.widgets import WidgetsPlugin

OUTAGE_SECONDS = 10.0
STREAM = "CRM_EVENTS_OUTAGE"
PREFIX = "crmoutage"


class NatsServer:
    """``nats-server -js`` on ``port``, storing in ``store``; start and stop at will."""

    def __init__(self, store: Path) -> None:
        binary = shutil.which("nats-server")
        assert binary is not None, "nats-server is not installed (Debian package nats-server)"
        self.binary = binary
        self.store = store
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def connected(url: str) -> Any:
    """A client connection, once the server accepts one."""
    async with asyncio.timeout(30):
        while True:
            with contextlib.suppress(OSError, nats.errors.NoServersError):
                return await nats.connect(url, connect_timeout=1, allow_reconnect=False)
            await asyncio.sleep(0.1)


async def test_an_outage_holds_events_and_sends_each_once_after(
    crm_database_url: str, nats_server: NatsServer
) -> None:
    client = await connected(nats_server.url)
    await client.close()
    host = await start_test_host(
        [(WidgetsPlugin(), "widgets"), (BellsPlugin(["bells.*"]), "bells")],
        crm_database_url,
        events_url=nats_server.url,
        events_stream=STREAM,
        events_subject_prefix=PREFIX,
        events_poll_interval_seconds=0.2,
        events_handler_backoff_seconds=0.1,
    )
    published: list[str] = []
    done = asyncio.Event()

    async def write(count: int) -> None:
        for i in range(count):
            if done.is_set():
                return

            def ring(session: Any, subject: str = f"bell-{i}") -> str:
                return host.events.publish(session, RUNG, subject, widgets_pb2.Widget())

            published.append(await host.database.transaction(ring))
            await asyncio.sleep(0.05)

    health = health_pb2_grpc.HealthStub(host.channel)
    try:
        await write(20)
        nats_server.stop()
        writing = asyncio.create_task(write(100_000))
        await asyncio.sleep(OUTAGE_SECONDS)
        # The API and readiness do not depend on NATS.
        status = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert status.status == health_pb2.HealthCheckResponse.SERVING
        nats_server.start()
        await asyncio.sleep(1.0)
        done.set()
        await writing
        sent = list(published)
        assert len(sent) > 40

        client = await connected(nats_server.url)
        js = client.jetstream()
        try:
            async with asyncio.timeout(60):
                while True:
                    with contextlib.suppress(NotFoundError):
                        if (await js.stream_info(STREAM)).state.messages >= len(sent):
                            break
                    await asyncio.sleep(0.1)
            subscription = await js.pull_subscribe(f"{PREFIX}.>", stream=STREAM)
            ids: list[str] = []
            while len(ids) < len(sent):
                messages = await subscription.fetch(min(500, len(sent) - len(ids)), timeout=5)
                ids += [m.headers["Nats-Msg-Id"] for m in messages]
            assert ids == sent
            assert (await js.stream_info(STREAM)).state.messages == len(sent)
        finally:
            await client.close()
    finally:
        await stop_test_host(host)
