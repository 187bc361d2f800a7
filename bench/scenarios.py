"""The host's scenarios: its calls, GetAccount under hashing load, a create burst, startup."""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from load import Call, Load, Result, Stub, attempt, burst, connections, drive
from processes import Server, free_port, memory_kib

from crm_accounts._proto.accounts.v1 import accounts_pb2

PASSWORD = "quiet harbor lantern 2026"
# While GetAccount is measured under load, a creator whose call was refused
# (RESOURCE_EXHAUSTED comes at once) waits this long, so as not to spin.
REFUSED_PAUSE = 0.01
# Creators start this long before GetAccount is measured, to fill the hash threads.
HEAD_START = 0.5
STARTUP_LIMIT = 60.0  # seconds


@dataclass(frozen=True)
class Admin:
    email: str
    id: str
    token: str

    @property
    def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.token}"),)


def start_host(env: dict[str, str], cwd: Path, workers: int, listen: str = "127.0.0.1:0") -> Server:
    """`crm-host serve --workers N`, not yet known to listen: see :func:`wait_host`."""
    return Server(
        [
            *[sys.executable, "-m", "crm_host", "serve"],
            *["--listen", listen, "--workers", str(workers), "--log-format", "json"],
        ],
        env,
        cwd,
    )


def start_echo(env: dict[str, str], cwd: Path) -> Server:
    """The bare echo baseline (bench/echo_server.py), listening."""
    echo = Server([sys.executable, str(Path(__file__).parent / "echo_server.py")], env, cwd)
    return echo.wait_listening(re.compile(r"\(port (\d+)\)"))


def wait_host(host: Server, workers: int) -> Server:
    # A worker logs "with plugins" for itself; the supervisor logs once all N listen.
    announced = "with plugins" if workers == 1 else f"with {workers} workers"
    return host.wait_listening(re.compile(rf"crm-host listening on \S+ \(port (\d+)\) {announced}"))


def calls(admin: Admin) -> dict[str, Call]:
    """The timed host scenarios' calls, by scenario name."""

    async def get(stub: Stub, _: int) -> object:
        request = accounts_pb2.GetAccountRequest(id=admin.id)
        return await stub.GetAccount(request, metadata=admin.metadata)

    async def page(stub: Stub, _: int) -> object:
        request = accounts_pb2.ListAccountsRequest(page_size=50)
        return await stub.ListAccounts(request, metadata=admin.metadata)

    async def authenticate(stub: Stub, _: int) -> object:
        request = accounts_pb2.AuthenticateRequest(email=admin.email, password=PASSWORD)
        return await stub.Authenticate(request)

    return {"get": get, "list": page, "create": create(), "authenticate": authenticate}


def create(timeout: float | None = None) -> Call:
    """CreateAccount with a new email each time."""

    async def call(stub: Stub, n: int) -> object:
        email = f"b{n}-{uuid.uuid4().hex[:8]}@example.com"
        request = accounts_pb2.CreateAccountRequest(name="Bench", email=email, password=PASSWORD)
        return await stub.CreateAccount(request, timeout=timeout)

    return call


async def get_under_load(
    get: Call, host: Server, workers: int, load: Load, creators: int
) -> tuple[Result, Counter[str]]:
    """GetAccount while ``creators`` tasks keep CreateAccount hashing; the creates' codes.

    Creates count when they end within GetAccount's window.
    """
    codes: Counter[str] = Counter()
    counting = False
    async with connections(host.port, creators) as stubs:
        call = create()

        async def creator(n: int) -> None:
            i = 0
            while True:
                code = await attempt(call, stubs[n], n * 1_000_000 + i)
                if counting:
                    codes[code] += 1
                if code != "OK":
                    await asyncio.sleep(REFUSED_PAUSE)
                i += 1

        tasks = [asyncio.create_task(creator(n)) for n in range(creators)]
        try:
            await asyncio.sleep(HEAD_START)
            counting = True
            result = await drive("get-under-load", workers, get, host.port, host.pid, load)
            counting = False
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return result, codes


@dataclass(frozen=True)
class Burst:
    workers: int
    calls: int
    connections: int
    codes: Counter[str]
    seconds: float
    idle_rss_kib: int  # all host processes, just before
    peak_rss_kib: dict[int, int]  # VmHWM by pid, just after

    def line(self) -> str:
        codes = ", ".join(f"{code} {n}" for code, n in sorted(self.codes.items()))
        peaks = self.peak_rss_kib.values()
        return (
            f"create-burst (workers={self.workers}): {self.calls} CreateAccount at once "
            f"over {self.connections} connections, "
            f"{self.seconds:.2f} s wall; {codes}; host peak RSS {sum(peaks) / 1024:.0f} MiB "
            f"over {len(peaks)} process(es), largest {max(peaks, default=0) / 1024:.0f} MiB "
            f"(RSS {self.idle_rss_kib / 1024:.0f} MiB before the burst)"
        )


async def create_burst(
    host: Server, workers: int, calls: int, connection_count: int, call_seconds: float
) -> Burst:
    """``calls`` CreateAccount at once on a fresh host: codes, wall time, peak memory."""
    idle = sum(memory_kib(host.pid, "VmRSS").values())
    codes, seconds = await burst(create(call_seconds), host.port, calls, connection_count)
    peaks = memory_kib(host.pid, "VmHWM")
    return Burst(workers, calls, connection_count, codes, seconds, idle, peaks)


@dataclass(frozen=True)
class Startup:
    workers: int
    seconds: list[float]

    def line(self) -> str:
        s = self.seconds
        return (
            f"startup (workers={self.workers}, migrated SQLite, {len(s)} runs): "
            f"min {min(s):.2f} s, median {statistics.median(s):.2f} s, max {max(s):.2f} s"
        )


async def _until_serving(port: int, host: Server) -> None:
    """Poll health Check of "" every ~10 ms until SERVING."""
    deadline = time.monotonic() + STARTUP_LIMIT
    request = health_pb2.HealthCheckRequest(service="")
    while time.monotonic() < deadline and host.process.poll() is None:
        # A new channel each time: a channel whose connection was refused
        # backs off for a second or more before it tries again.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                answer = await health_pb2_grpc.HealthStub(channel).Check(request, timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
        await asyncio.sleep(0.01)
    raise RuntimeError(f"the host did not serve:\n{host.log.read_text()[-3000:]}")


async def startup(env: dict[str, str], cwd: Path, workers: int, runs: int) -> Startup:
    """Seconds from just before starting `crm-host serve` to its first SERVING, ``runs`` times."""
    seconds: list[float] = []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        host = start_host(env, cwd, workers, f"127.0.0.1:{port}")
        try:
            await _until_serving(port, host)
            seconds.append(time.perf_counter() - started)
        finally:
            host.stop()
    return Startup(workers, seconds)
