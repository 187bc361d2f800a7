"""PostgreSQL stopped and started again under load, on a cluster of the test's own.

While the database is down, every call must fail fast with UNAVAILABLE (never
INTERNAL, never running into its deadline) and readiness must say
NOT_SERVING; once it is back, the host must report SERVING and serve again,
with no acknowledged write lost. `pg_ctl stop -m fast` is a clean shutdown;
`-m immediate` drops everything like a crash and the restart replays the WAL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import grpc.aio
import pytest
import sqlalchemy
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm_host._server import store as database
from crm_host.testing import HostProcess, code_of
from reliability.load import survivors
from reliability.pgcluster import Cluster, running_cluster
from support.notes import Notes, add_author

# Each call's deadline: a call still running when it expires would be a hang.
DEADLINE = 2.0
# Requirements: readiness follows the database within these bounds.
NOT_SERVING_WITHIN = 2.0
SERVING_WITHIN = 5.0
# Guards against a hung test, not measurements.
TRANSITION_TIMEOUT = 30.0

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
OK, UNAVAILABLE = grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE


@dataclass(frozen=True)
class Call:
    method: str
    started: float
    ended: float
    code: grpc.StatusCode


@dataclass
class Timeline:
    """Monotonic times of the outage's events, and every call made meanwhile."""

    calls: list[Call] = field(default_factory=list)
    health: list[tuple[float, int]] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)
    stopping: float = 0.0
    stopped: float = 0.0
    starting: float = 0.0
    started: float = 0.0
    not_serving: float = 0.0
    serving: float = 0.0

    def expected(self, call: Call) -> set[grpc.StatusCode]:
        if call.ended < self.stopping or call.started > self.serving:
            return {OK}
        if call.started > self.stopped and call.ended < self.starting:
            return {UNAVAILABLE}
        return {OK, UNAVAILABLE}  # overlapping a transition

    async def reaches(self, status: int, since: float) -> float:
        """When the health watch first reported ``status`` after ``since``."""
        deadline = time.monotonic() + TRANSITION_TIMEOUT
        while time.monotonic() < deadline:
            for at, seen in self.health:
                if at >= since and seen == status:
                    return at
            await asyncio.sleep(0.01)
        raise AssertionError(f"health never became {status} after the event: {self.health}")


async def watch_health(channel: grpc.aio.Channel, timeline: Timeline) -> None:
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
    async for reply in watch:
        timeline.health.append((time.monotonic(), int(reply.status)))


async def load(
    client: Notes, known_id: str, worker: int, timeline: Timeline, stop: asyncio.Event
) -> None:
    """CreateNote and GetNote in turn, each with a short deadline.

    Every call also reads the database to authenticate its bearer token.
    """
    n = 0
    while not stop.is_set():
        n += 1
        text = f"w{worker}-{n}"
        # Each call starts only when made, so its start time is its own.
        for method in ("CreateNote", "GetNote"):
            started = time.monotonic()
            if method == "CreateNote":
                call = client.create_call(text, str(uuid.uuid4()), timeout=DEADLINE)
            else:
                call = client.get_call(known_id, timeout=DEADLINE)
            code = await code_of(call)
            timeline.calls.append(Call(method, started, time.monotonic(), code))
            if method == "CreateNote" and code == OK:
                timeline.acknowledged[text] = (await call).id
        await asyncio.sleep(0.02)


async def outage(port: int, token: str, cluster: Cluster, mode: str) -> Timeline:
    timeline = Timeline()
    stop = asyncio.Event()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        watcher = asyncio.create_task(watch_health(channel, timeline))
        await timeline.reaches(SERVING, since=0)
        client = Notes(channel, token)
        known_id = (await client.create("known")).id
        workers = [asyncio.create_task(load(client, known_id, n, timeline, stop)) for n in range(4)]
        await asyncio.sleep(1)
        timeline.stopping = time.monotonic()
        await asyncio.to_thread(cluster.stop, mode)
        timeline.stopped = time.monotonic()
        timeline.not_serving = await timeline.reaches(NOT_SERVING, since=timeline.stopping)
        # Down for a while longer: the calls meanwhile must keep failing fast.
        await asyncio.sleep(1)
        timeline.starting = time.monotonic()
        await asyncio.to_thread(cluster.start)
        timeline.started = time.monotonic()
        timeline.serving = await timeline.reaches(SERVING, since=timeline.starting)
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*workers)
        watcher.cancel()
    return timeline


@pytest.fixture
def postgresql_cluster() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_calls_fail_fast_with_unavailable_and_readiness_follows_a_postgresql_outage(
    postgresql_cluster: Cluster, serve_notes: Callable[..., HostProcess], mode: str
) -> None:
    url = postgresql_cluster.url
    host = serve_notes("--database-url", url, "--migrate")
    writer = add_author(url, "writer")

    timeline = asyncio.run(outage(host.port or 0, writer, postgresql_cluster, mode))
    found = asyncio.run(survivors(host.port or 0, url, timeline.acknowledged, writer))

    # From the stop command: a fast shutdown refuses connections before pg_ctl returns.
    to_not_serving = timeline.not_serving - timeline.stopping
    to_serving = timeline.serving - timeline.started
    unexpected = [c for c in timeline.calls if c.code not in timeline.expected(c)]
    down = [c for c in timeline.calls if timeline.expected(c) == {UNAVAILABLE}]
    slowest_down = max((c.ended - c.started for c in down), default=0.0)
    print(
        f"\nRELIABILITY outage[{mode}]: stop took {timeline.stopped - timeline.stopping:.2f}s, "
        f"NOT_SERVING {to_not_serving:.2f}s after the stop began, SERVING "
        f"{to_serving:.2f}s after it accepted connections again; codes "
        f"{dict(Counter(c.code.name for c in timeline.calls))}; calls while down "
        f"{len(down)}, slowest {slowest_down * 1000:.0f}ms; acknowledged creates "
        f"{len(timeline.acknowledged)}, present {found.present}"
    )
    assert unexpected == [], unexpected[:10]
    assert down, "no call was made while the database was down"
    assert to_not_serving <= NOT_SERVING_WITHIN, f"NOT_SERVING after {to_not_serving:.2f}s"
    assert to_serving <= SERVING_WITHIN, f"SERVING after {to_serving:.2f}s"
    assert found.missing == []
    assert host.terminate() == 0


def test_authenticated_calls_are_unavailable_while_postgresql_is_down(
    postgresql_cluster: Cluster, serve_notes: Callable[..., HostProcess]
) -> None:
    """The bearer token is looked up in the database: that outage is no INTERNAL either."""
    url = postgresql_cluster.url
    host = serve_notes("--database-url", url, "--migrate")
    writer = add_author(url, "writer")

    async def get_while_down() -> Counter[grpc.StatusCode]:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            client = Notes(channel, writer)
            note = await client.create("someone's note")
            await asyncio.to_thread(postgresql_cluster.stop, "fast")
            # More calls than the host has reading threads: once their kept
            # connections are gone, new ones cannot be opened either.
            codes = [await code_of(client.get_call(note.id, timeout=DEADLINE)) for _ in range(12)]
            return Counter(codes)

    assert asyncio.run(get_while_down()) == Counter({UNAVAILABLE: 12})


def database_error(url: str, *statements: str) -> BaseException:
    """What running ``statements`` on a real engine for ``url`` raises."""
    engine = database.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sqlalchemy.text(statement))
    except sqlalchemy.exc.SQLAlchemyError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{statements} did not fail")


BUGS = [
    "SELEC 1",
    "SELECT * FROM no_such_table",
    "CREATE TABLE t (k INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)",
]


def test_only_an_unreachable_database_is_classified_as_an_outage(
    postgresql_cluster: Cluster, tmp_path: Path
) -> None:
    """Syntax errors, missing tables and constraint violations are bugs: INTERNAL stays."""
    sqlite_url = f"sqlite:///{tmp_path / 'bugs.db'}"
    for url in (sqlite_url, postgresql_cluster.url):
        for bug in BUGS:
            error = database_error(url, *bug.split("; "))
            assert database.unavailable(error) is None, (url, bug, error)
    unopenable = database_error(f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "SELECT 1")
    postgresql_cluster.stop("fast")
    refused = database_error(postgresql_cluster.url, "SELECT 1")
    for error in (unopenable, refused):
        outage = database.unavailable(error)
        assert outage is not None, error
        assert outage.code == UNAVAILABLE
        assert outage.reason == "DATABASE_UNAVAILABLE"
        # Nothing of the driver's text (SQL, addresses) reaches the client.
        assert outage.message == "the database is unavailable; retry shortly"
