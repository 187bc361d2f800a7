"""Domain events: the outbox, the kit's standard events, handlers, Watch, retention.

Every test runs a real host over loopback on SQLite and, with
CRM_TEST_DATABASE_URL, on PostgreSQL; events are published by the kit's
methods over gRPC or through ``events.publish`` in a real transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy.orm import Session

from crm_host._proto.crm.events.v1 import events_pb2, events_pb2_grpc
from crm_host._server.plugins import PluginError
from crm_host.events import secret_fields
from crm_host.testing import TestHost, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc
from testplugins.bells import RUNG, BellsPlugin
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
