"""Domain events: the outbox, the kit's standard events, handlers, Watch, retention.

Every test runs a real host over loopback on SQLite and, with
CRM_TEST_DATABASE_URL, on PostgreSQL; events are published by the kit's
methods over gRPC or through ``events.publish`` in a real transaction.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
import pytest
import sqlalchemy
from google.protobuf import field_mask_pb2
from prometheus_client import generate_latest
from sqlalchemy.orm import Session

from crm_host._proto.crm.events.v1 import events_pb2, events_pb2_grpc
from crm_host._server.plugins import PluginError
from crm_host.events import Event, secret_fields
from crm_host.testing import TestHost, rich_error, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc
from testplugins.bells import LISTENER_ROLE, RUNG, BellsPlugin
from testplugins.widgets import WidgetsPlugin

Widget = widgets_pb2.Widget
ADMIN = ("admin",)
# Fast enough for tests: a wake-up is never needed, only a short poll.
FAST = {
    "events_poll_interval_seconds": 0.2,
    "events_heartbeat_seconds": 0.5,
    "events_handler_backoff_seconds": 0.05,
    "events_handler_attempts": 3,
}

StartEvents = Callable[..., Awaitable[TestHost]]


@pytest.fixture
async def events_host(crm_database_url: str) -> AsyncIterator[StartEvents]:
    """Start hosts (widgets and the given bells) on the test's database; stopped afterwards."""
    started: list[TestHost] = []

    async def start(bells: BellsPlugin | None = None, **settings: Any) -> TestHost:
        plugins: list[Any] = [(WidgetsPlugin(), "widgets"), (bells or BellsPlugin(), "bells")]
        host = await start_test_host(plugins, crm_database_url, **{**FAST, **settings})
        started.append(host)
        return host

    yield start
    for host in started:
        await stop_test_host(host)


async def until(condition: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    """Wait for ``condition``; fail naming ``what`` if it does not come within ``limit``."""
    async with asyncio.timeout(limit):
        while not condition():
            await asyncio.sleep(0.02)
    assert condition(), what


class Watcher:
    """One Watch call and what it has received."""

    def __init__(
        self, host: TestHost, roles: tuple[str, ...] = ADMIN, cursor: str = "", types: Any = ()
    ) -> None:
        stub = events_pb2_grpc.EventServiceStub(host.channel)
        self.call = stub.Watch(
            events_pb2.WatchRequest(cursor=cursor, types=list(types)),
            metadata=host.caller("watcher", roles),
        )

    async def next(self) -> events_pb2.WatchResponse:
        async with asyncio.timeout(20):
            response: events_pb2.WatchResponse = await self.call.read()
        assert response is not grpc.aio.EOF
        return response

    async def events(self, count: int) -> list[events_pb2.CloudEvent]:
        """The next ``count`` events, skipping heartbeats."""
        found: list[events_pb2.CloudEvent] = []
        while len(found) < count:
            response = await self.next()
            if response.HasField("event"):
                assert response.cursor == response.event.attributes["sequence"].ce_string
                found.append(response.event)
        return found

    async def heartbeat(self) -> str:
        """The cursor of the next heartbeat; fails on an event first."""
        response = await self.next()
        assert response.HasField("heartbeat"), response
        return response.cursor

    def cancel(self) -> None:
        self.call.cancel()


def widgets(host: TestHost, account: str = "alice") -> tuple[Any, Any]:
    return widgets_pb2_grpc.WidgetServiceStub(host.channel), host.caller(account)


def ring(host: TestHost, subject: str, fail: bool = False) -> Callable[[Session], str]:
    """Work that publishes a bells event, then raises when ``fail``."""

    def work(session: Session) -> str:
        event_id = host.host.events.publish(session, RUNG, subject, Widget(display_name=subject))
        if fail:
            raise RuntimeError("rolled back")
        return event_id

    return work


def data_of(event: events_pb2.CloudEvent) -> Widget:
    widget = Widget()
    assert event.proto_data.Unpack(widget)
    return widget


async def test_an_event_is_published_with_its_transaction_and_never_without(
    events_host: StartEvents,
) -> None:
    host = await events_host()
    watcher = Watcher(host)
    start = await watcher.heartbeat()
    first = await host.database.transaction(ring(host, "one"))
    with pytest.raises(RuntimeError):
        await host.database.transaction(ring(host, "rolled-back", fail=True))
    second = await host.database.transaction(ring(host, "two"))
    got = await watcher.events(2)
    assert [(e.id, e.attributes["subject"].ce_string) for e in got] == [
        (first, "one"),
        (second, "two"),
    ]
    sequences = [int(e.attributes["sequence"].ce_string) for e in got]
    assert sequences == [int(start) + 1, int(start) + 2]
    envelope = got[0]
    assert envelope.source == "//crm-host/bells"
    assert envelope.spec_version == "1.0"
    assert envelope.type == RUNG
    assert envelope.attributes["datacontenttype"].ce_string == "application/protobuf"
    assert envelope.attributes["time"].HasField("ce_timestamp")
    assert data_of(envelope).display_name == "one"
    # Nothing else was published: the next message is a heartbeat at the same cursor.
    assert await watcher.heartbeat() == str(sequences[-1])
    watcher.cancel()


async def test_the_kit_publishes_created_updated_deleted_and_undeleted(
    events_host: StartEvents,
) -> None:
    host = await events_host()
    stub, caller = widgets(host)
    watcher = Watcher(host, types=["crmtest.*"])
    await watcher.heartbeat()
    created = await stub.CreateWidget(
        widgets_pb2.CreateWidgetRequest(widget=Widget(display_name="Bolt", size=3)),
        metadata=caller,
    )
    changed = Widget(id=created.id, display_name="Big bolt", size=9)
    await stub.UpdateWidget(
        widgets_pb2.UpdateWidgetRequest(
            widget=changed, update_mask=field_mask_pb2.FieldMask(paths=["display_name"])
        ),
        metadata=caller,
    )
    part = await stub.CreatePart(
        widgets_pb2.CreatePartRequest(part=widgets_pb2.Part(name="nut", widget_id=created.id)),
        metadata=caller,
    )
    await stub.DeleteWidget(widgets_pb2.DeleteWidgetRequest(id=created.id), metadata=caller)
    await stub.UndeleteWidget(widgets_pb2.UndeleteWidgetRequest(id=created.id), metadata=caller)
    got = await watcher.events(6)
    assert [(e.type, e.attributes["subject"].ce_string) for e in got] == [
        ("crmtest.widget.created.v1", created.id),
        ("crmtest.widget.updated.v1", created.id),
        ("crmtest.part.created.v1", part.id),
        # The cascade deletes the part (for good: parts are not soft-deleted).
        ("crmtest.part.deleted.v1", part.id),
        ("crmtest.widget.deleted.v1", created.id),
        ("crmtest.widget.undeleted.v1", created.id),
    ]
    assert all(e.source == "//crm-host/crmtest" for e in got)
    assert data_of(got[0]).display_name == "Bolt"
    updated = data_of(got[1])
    # The mask is what changed; the size in the request was not asked for.
    assert (updated.display_name, updated.size) == ("Big bolt", 3)
    assert got[1].attributes["updatemask"].ce_string == "display_name"
    assert "updatemask" not in got[0].attributes
    assert data_of(got[4]).HasField("delete_time")
    assert not data_of(got[5]).HasField("delete_time")
    watcher.cancel()


async def test_a_failed_write_publishes_nothing(events_host: StartEvents) -> None:
    host = await events_host()
    stub, caller = widgets(host)
    watcher = Watcher(host, types=["crmtest.widget.*"])
    await watcher.heartbeat()
    await stub.CreateWidget(
        widgets_pb2.CreateWidgetRequest(widget=Widget(display_name="A", code="X1")),
        metadata=caller,
    )
    with pytest.raises(grpc.aio.AioRpcError) as clash:
        await stub.CreateWidget(
            widgets_pb2.CreateWidgetRequest(widget=Widget(display_name="B", code="X1")),
            metadata=caller,
        )
    assert clash.value.code() == grpc.StatusCode.ALREADY_EXISTS
    created = await stub.CreateWidget(
        widgets_pb2.CreateWidgetRequest(widget=Widget(display_name="C")), metadata=caller
    )
    got = await watcher.events(2)
    assert [data_of(e).display_name for e in got] == ["A", "C"]
    assert got[1].attributes["subject"].ce_string == created.id
    watcher.cancel()


async def test_every_declared_event_type_is_free_of_secrets(events_host: StartEvents) -> None:
    host = await events_host()
    declared = list(host.events.types)
    assert {t.name for t in declared} == {
        "crmtest.widget.created.v1",
        "crmtest.widget.updated.v1",
        "crmtest.widget.deleted.v1",
        "crmtest.widget.undeleted.v1",
        "crmtest.part.created.v1",
        "crmtest.part.updated.v1",
        "crmtest.part.deleted.v1",
        RUNG,
    }
    for event_type in declared:
        assert secret_fields(event_type.message.DESCRIPTOR) == [], event_type.name
    assert secret_fields(widgets_pb2.ListWidgetsRequest.DESCRIPTOR) == ["page_token"]


class Leaky:
    """Declares an event type whose message holds a (page) token."""

    @staticmethod
    def register_event_types(register: Any) -> None:
        register("leaky.widget.listed.v1", widgets_pb2.ListWidgetsRequest)


@pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)
async def test_a_type_whose_message_holds_a_secret_stops_the_host(crm_database_url: str) -> None:
    from crm_host import hookimpl

    leaky = Leaky()
    leaky.register_event_types = hookimpl(Leaky.register_event_types)  # type: ignore[method-assign]
    with pytest.raises(PluginError, match=r"leaky.*page_token"):
        await start_test_host([(leaky, "leaky")], crm_database_url)


async def test_handlers_get_every_event_once_in_order(events_host: StartEvents) -> None:
    bells = BellsPlugin(patterns=["bells.bell.*"])
    host = await events_host(bells)
    stub, caller = widgets(host)
    rung = [await host.database.transaction(ring(host, f"bell-{i}")) for i in range(5)]
    # Not matched by the handler's patterns: never delivered.
    await stub.CreateWidget(
        widgets_pb2.CreateWidgetRequest(widget=Widget(display_name="quiet")), metadata=caller
    )
    last = await host.database.transaction(ring(host, "last"))
    await until(lambda: len(bells.handled) == 6, "six bells handled")
    assert [e.id for e in bells.handled] == [*rung, last]
    assert all(e.type == RUNG for e in bells.handled)
    assert [e.sequence for e in bells.handled] == sorted(e.sequence for e in bells.handled)
    assert bells.handled[0].message(Widget).display_name == "bell-0"


async def test_a_failing_handler_is_retried_then_dead_lettered_and_others_flow(
    events_host: StartEvents, crm_database_url: str
) -> None:
    bells = BellsPlugin(patterns=["bells.bell.*"])
    bells.failing = {"flaky": 2, "broken": -1}
    host = await events_host(bells)
    for subject in ("before", "flaky", "broken", "after"):
        await host.database.transaction(ring(host, subject))
    await until(lambda: [e.subject for e in bells.handled] == ["before", "flaky", "after"], "flow")
    # flaky: two failures, then handled; broken: three failures (the limit), then dead.
    assert bells.calls == 1 + 3 + 3 + 1
    listing = cli(crm_database_url, "events", "dead-letters")
    assert listing.returncode == 0, listing.stderr
    [row] = [line for line in listing.stdout.splitlines() if "bells.recorder" in line]
    letter, handler, _, _, type_name, attempts, error = row.split()[:7]
    assert (handler, type_name, attempts, error) == ("bells.recorder", RUNG, "3", "RuntimeError")

    bells.failing.clear()
    retried = cli(crm_database_url, "events", "retry", letter)
    assert retried.returncode == 0, retried.stderr
    await until(lambda: [e.subject for e in bells.handled][-1] == "broken", "the retry")
    listing = cli(crm_database_url, "events", "dead-letters")
    assert "bells.recorder" not in listing.stdout
    missing = cli(crm_database_url, "events", "retry", "999999")
    assert missing.returncode == 1
    assert "no dead letter has the id 999999" in missing.stderr


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``crm-host ARGS`` on the test's database, with no plugin loaded."""
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args, "--database-url", database_url, "--plugins", ""],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CRM_LOG_FORMAT": "text"},
        check=False,
    )


async def test_watch_replays_from_a_cursor_then_goes_live(events_host: StartEvents) -> None:
    host = await events_host()
    early = Watcher(host)
    cursor = await early.heartbeat()
    first = [await host.database.transaction(ring(host, f"early-{i}")) for i in range(3)]
    await early.events(3)
    early.cancel()
    # Resuming from the cursor before them replays all three, then follows.
    watcher = Watcher(host, cursor=cursor)
    assert await watcher.heartbeat() == cursor
    replayed = await watcher.events(3)
    assert [e.id for e in replayed] == first
    live = await host.database.transaction(ring(host, "live"))
    [got] = await watcher.events(1)
    assert got.id == live
    # Then silence: heartbeats carry the cursor of the last event.
    assert await watcher.heartbeat() == got.attributes["sequence"].ce_string
    watcher.cancel()
    # A cursor from the middle replays only what came after it.
    middle = Watcher(host, cursor=replayed[1].attributes["sequence"].ce_string)
    assert [e.id for e in await middle.events(2)] == [first[2], live]
    middle.cancel()


async def test_watch_shows_each_caller_only_the_types_it_may_watch(
    events_host: StartEvents,
) -> None:
    host = await events_host()
    stub, caller = widgets(host)
    listener = Watcher(host, roles=(LISTENER_ROLE,))
    admin = Watcher(host)
    await listener.heartbeat()
    await admin.heartbeat()
    await stub.CreateWidget(
        widgets_pb2.CreateWidgetRequest(widget=Widget(display_name="secret plans")),
        metadata=caller,
    )
    rung = await host.database.transaction(ring(host, "public"))
    assert [e.type for e in await admin.events(2)] == ["crmtest.widget.created.v1", RUNG]
    [seen] = await listener.events(1)
    assert seen.id == rung
    # The widget event passed the listener by: its heartbeat cursor moved past it.
    assert await listener.heartbeat() == seen.attributes["sequence"].ce_string
    listener.cancel()
    admin.cancel()

    denied = Watcher(host, roles=(LISTENER_ROLE,), types=["crmtest.widget.created.v1"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await denied.next()
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert rich_error(refused.value).reason == "WATCH_DENIED"
    nobody = Watcher(host, roles=())
    [none] = [await nobody.heartbeat()]
    assert none.isdigit()
    nobody.cancel()


@pytest.mark.parametrize(
    ("cursor", "types", "field", "reason"),
    [
        ("abc", [], "cursor", "CURSOR_INVALID"),
        ("999999", [], "cursor", "CURSOR_INVALID"),
        ("", ["no such type"], "types[0]", "TYPE_INVALID"),
        ("", ["crmtest.gadget.created.v1"], "types[0]", "TYPE_UNKNOWN"),
    ],
)
async def test_watch_refuses_bad_requests_naming_the_field(
    events_host: StartEvents, cursor: str, types: list[str], field: str, reason: str
) -> None:
    host = await events_host()
    watcher = Watcher(host, cursor=cursor, types=types)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await watcher.next()
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = rich_error(refused.value)
    assert (error.reason, error.violations) == (reason, [(field, reason)])


async def test_a_cursor_older_than_the_retention_is_expired(events_host: StartEvents) -> None:
    host = await events_host(events_retention_seconds=0.001)
    for i in range(4):
        await host.database.transaction(ring(host, f"old-{i}"))
    watcher = Watcher(host, cursor="0")
    await watcher.events(4)
    watcher.cancel()
    await asyncio.sleep(0.01)
    # Every event but the newest goes; numbering continues from it.
    assert await host.events.purge() == 3
    expired = Watcher(host, cursor="0")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await expired.next()
    assert refused.value.code() == grpc.StatusCode.OUT_OF_RANGE
    error = rich_error(refused.value)
    assert error.reason == "CURSOR_EXPIRED"
    newest = int(error.metadata["oldestCursor"]) + 1
    # From the oldest cursor kept, the replay works.
    kept = Watcher(host, cursor=error.metadata["oldestCursor"])
    [event] = await kept.events(1)
    assert event.attributes["sequence"].ce_string == str(newest)
    after = await host.database.transaction(ring(host, "new"))
    [fresh] = await kept.events(1)
    assert (fresh.id, fresh.attributes["sequence"].ce_string) == (after, str(newest + 1))
    kept.cancel()


async def test_tail_prints_the_stream(events_host: StartEvents, crm_database_url: str) -> None:
    host = await events_host()
    ids = [await host.database.transaction(ring(host, f"tail-{i}")) for i in range(2)]
    watcher = Watcher(host, cursor="0")
    await watcher.events(2)
    watcher.cancel()
    tailed = await asyncio.to_thread(
        cli, crm_database_url, "events", "tail", "--cursor", "0", "--no-follow"
    )
    assert tailed.returncode == 0, tailed.stderr
    lines = tailed.stdout.splitlines()
    assert lines[0].split() == ["CURSOR", "TIME", "TYPE", "SUBJECT", "ID"]
    assert [line.split()[2:] for line in lines[1:]] == [
        [RUNG, "tail-0", ids[0]],
        [RUNG, "tail-1", ids[1]],
    ]


@pytest.mark.parametrize("crm_database_url", ["postgresql"], indirect=True)
async def test_two_replicas_handle_each_event_once_and_watch_each_other(
    events_host: StartEvents,
) -> None:
    first_bells, second_bells = BellsPlugin(["bells.*"]), BellsPlugin(["bells.*"])
    first = await events_host(first_bells)
    second = await events_host(second_bells)
    assert first.events.leadership.leading != second.events.leadership.leading
    watcher = Watcher(second)
    await watcher.heartbeat()
    published = []
    for i in range(20):
        host = first if i % 2 else second
        published.append(await host.database.transaction(ring(host, f"bell-{i}")))

    def handled() -> list[Event]:
        return first_bells.handled + second_bells.handled

    await until(lambda: len(handled()) >= 20, "twenty events handled")
    # A second delivery, were there one, would come within a few polls.
    await asyncio.sleep(1.0)
    ids = [e.id for e in handled()]
    assert sorted(ids) == sorted(published)
    assert len(ids) == len(set(ids))
    # One replica leads and handles; the other watched them all, its own or not.
    assert not (first_bells.handled and second_bells.handled)
    assert {e.id for e in await watcher.events(20)} == set(published)
    watcher.cancel()


@pytest.mark.parametrize("crm_database_url", ["postgresql"], indirect=True)
async def test_a_dead_leaders_work_is_taken_over(
    events_host: StartEvents, crm_database_url: str
) -> None:
    first_bells, second_bells = BellsPlugin(["bells.*"]), BellsPlugin(["bells.*"])
    first = await events_host(first_bells)
    second = await events_host(second_bells)
    leader, follower = (first, second) if first.events.leadership.leading else (second, first)
    handlers = {id(first): first_bells, id(second): second_bells}
    before = await leader.database.transaction(ring(leader, "before"))
    await until(lambda: [e.id for e in handlers[id(leader)].handled] == [before], "before")
    # The leader's database session dies (as when its process or network does).
    lock = leader.events.leadership.connection
    assert lock is not None
    driver: Any = lock.connection.driver_connection
    pid = driver.info.backend_pid
    admin = sqlalchemy.create_engine(crm_database_url)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    await until(
        lambda: follower.events.leadership.leading and not leader.events.leadership.leading,
        "the follower leads",
    )
    after = [await leader.database.transaction(ring(leader, f"after-{i}")) for i in range(5)]
    await until(lambda: len(handlers[id(follower)].handled) == 5, "the new leader handles")
    assert [e.id for e in handlers[id(follower)].handled] == after
    assert [e.id for e in handlers[id(leader)].handled] == [before]
    # Its feed still works as a follower's: its watchers see the new leader's numbering.
    watcher = Watcher(leader, cursor="0")
    assert [e.id for e in await watcher.events(6)] == [before, *after]
    watcher.cancel()


def scraped(host: TestHost) -> dict[str, float]:
    """The host's events metrics, as Prometheus would scrape them."""
    text = generate_latest(host.host.metrics_registry).decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("crm_host_events_")
    }


async def test_metrics_show_a_stuck_handlers_backlog_and_lag(events_host: StartEvents) -> None:
    bells = BellsPlugin(["bells.*"])
    bells.failing = {"stuck": -1}
    host = await events_host(bells, events_handler_attempts=1000)
    for subject in ("stuck", "next", "last"):
        await host.database.transaction(ring(host, subject))
    backlog = 'crm_host_events_handler_backlog{handler="bells.recorder"}'
    lag = 'crm_host_events_handler_lag_seconds{handler="bells.recorder"}'
    await until(lambda: bells.calls >= 2 and scraped(host).get(backlog) == 3, "a backlog of 3")
    metrics = scraped(host)
    assert metrics["crm_host_events_leader"] == 1
    assert metrics["crm_host_events_head"] >= 3
    assert metrics[lag] > 0
    bells.failing.clear()
    await until(lambda: scraped(host).get(backlog) == 0, "caught up")
    await until(lambda: scraped(host).get(lag) == 0, "no lag")
    assert [e.subject for e in bells.handled] == ["stuck", "next", "last"]
