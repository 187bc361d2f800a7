"""The load generator: calls from many tasks over several connections, timed or all at once."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import grpc.aio
from processes import cpu_used, tree_cpu

from crm_accounts._proto.accounts.v1 import accounts_pb2_grpc

# An AccountsServiceStub: grpc's generated modules have no types.
Stub: TypeAlias = Any
# A generated stub class: AccountsServiceStub by default.
StubType = Callable[[grpc.aio.Channel], Stub]
Call = Callable[[Stub, int], Awaitable[object]]
"""One call on a stub; the int is unique per call, for unique emails."""


@dataclass(frozen=True)
class Load:
    """How hard and how long a timed scenario calls."""

    seconds: float
    connections: int
    concurrency: int


@dataclass
class Result:
    scenario: str
    workers: int | None  # None: a baseline, not the host
    seconds: float
    latencies: list[float]  # of OK calls only
    server_cpu: float | None
    client_cpu: float
    failed: Counter[str] = field(default_factory=Counter)  # status code name -> calls

    @property
    def rate(self) -> float:
        """OK calls per second."""
        return len(self.latencies) / self.seconds

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def p99_ms(self) -> float:
        latencies = self.latencies
        if len(latencies) < 100:
            return max(latencies, default=0.0) * 1000
        return statistics.quantiles(latencies, n=100)[98] * 1000

    def row(self, second: str | None = None) -> str:
        """A table row; ``second`` is the second column (default: the worker count)."""
        server = "-" if self.server_cpu is None else f"{self.server_cpu:.2f}"
        failed = ", ".join(f"{code} {n}" for code, n in sorted(self.failed.items())) or "-"
        second = second if second is not None else str(self.workers or "-")
        return (
            f"| {self.scenario} | {second} | {self.rate:,.0f} | {self.p50_ms:.2f} | "
            f"{self.p99_ms:.2f} | {server} | {self.client_cpu:.2f} | {failed} |"
        )


@asynccontextmanager
async def connections(
    port: int, count: int, stub_type: StubType = accounts_pb2_grpc.AccountsServiceStub
) -> AsyncIterator[list[Stub]]:
    """``stub_type`` stubs over ``count`` separate connections to 127.0.0.1:``port``, connected."""
    channels = [
        # A distinct option per channel, so grpc opens a connection for each.
        grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("crm.bench.channel", n)])
        for n in range(count)
    ]
    try:
        # Connect first, so that no measurement includes connection setup.
        await asyncio.wait_for(asyncio.gather(*(c.channel_ready() for c in channels)), 30)
        yield [stub_type(channel) for channel in channels]
    finally:
        await asyncio.gather(*(channel.close() for channel in channels))


async def attempt(call: Call, stub: Stub, n: int) -> str:
    """The status code name of one call: "OK", or the error's."""
    try:
        await call(stub, n)
    except grpc.aio.AioRpcError as error:
        return str(error.code().name)
    return "OK"


async def drive(
    name: str,
    workers: int | None,
    call: Call,
    port: int,
    pid: int,
    load: Load,
    stub_type: StubType = accounts_pb2_grpc.AccountsServiceStub,
) -> Result:
    """Run ``call`` as ``load`` says; server CPU is that of ``pid`` and its descendants."""
    latencies: list[float] = []
    failed: Counter[str] = Counter()
    async with connections(port, load.connections, stub_type) as stubs:
        server_before, client_before = tree_cpu(pid), time.process_time()
        started = time.perf_counter()
        deadline = started + load.seconds

        async def task(n: int) -> None:
            stub = stubs[n % len(stubs)]
            i = 0
            while time.perf_counter() < deadline:
                begun = time.perf_counter()
                code = await attempt(call, stub, n * 1_000_000 + i)
                if code == "OK":
                    latencies.append(time.perf_counter() - begun)
                else:
                    failed[code] += 1
                i += 1

        # Calls in flight at the deadline still count, and so does their time:
        # the rate is of whole calls, and no slow call is dropped from p99.
        await asyncio.gather(*(task(n) for n in range(load.concurrency)))
        elapsed = time.perf_counter() - started
        server = cpu_used(server_before, tree_cpu(pid))
        return Result(
            name, workers, elapsed, latencies, server, time.process_time() - client_before, failed
        )


async def burst(
    call: Call, port: int, count: int, connection_count: int
) -> tuple[Counter[str], float]:
    """``count`` calls started at once over ``connection_count`` channels: codes and wall time."""
    async with connections(port, connection_count) as stubs:
        started = time.perf_counter()
        codes = await asyncio.gather(
            *(attempt(call, stubs[n % len(stubs)], n) for n in range(count))
        )
        return Counter(codes), time.perf_counter() - started
