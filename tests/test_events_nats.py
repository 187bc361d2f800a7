"""The NATS JetStream relay, against the NATS server on 127.0.0.1:4222 (JetStream on).

Each test uses a stream and subject prefix of its own, deleted afterwards, so
runs sharing the server do not interfere. Without the server the tests fail:
they are never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest
from nats.js.errors import NotFoundError

from crm_host.events import events_pb2
from crm_host.testing import start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc
from testplugins.bells import RUNG, BellsPlugin
from testplugins.widgets import WidgetsPlugin

NATS_URL = "nats://127.0.0.1:4222"


@pytest.fixture
async def jetstream() -> AsyncIterator[tuple[Any, str, str]]:
    """A JetStream context, and a stream name and subject prefix for this test only."""
    connection = await nats.connect(NATS_URL, connect_timeout=5, allow_reconnect=False)
    token = uuid.uuid4().hex[:12]
    stream, prefix = f"CRM_EVENTS_TEST_{token}", f"crmtest{token}"
    try:
        yield connection.jetstream(), stream, prefix
    finally:
        with contextlib.suppress(NotFoundError):
            await connection.jetstream().delete_stream(stream)
        await connection.close()


async def test_every_event_reaches_jetstream_once_with_its_id(
    crm_database_url: str, jetstream: tuple[Any, str, str]
) -> None:
    js, stream, prefix = jetstream
    host = await start_test_host(
        [(WidgetsPlugin(), "widgets"), (BellsPlugin(["bells.*"]), "bells")],
        crm_database_url,
        events_url=NATS_URL,
        events_stream=stream,
        events_subject_prefix=prefix,
        events_poll_interval_seconds=0.2,
    )
    try:
        stub = widgets_pb2_grpc.WidgetServiceStub(host.channel)
        created = await stub.CreateWidget(
            widgets_pb2.CreateWidgetRequest(widget=widgets_pb2.Widget(display_name="Relayed")),
            metadata=host.caller("alice"),
        )

        def ring(session: Any) -> str:
            return host.events.publish(session, RUNG, "bell", widgets_pb2.Widget())

        rung = [await host.database.transaction(ring) for _ in range(3)]
        # The relay creates the stream when it relays its first event.
        async with asyncio.timeout(30):
            while True:
                with contextlib.suppress(NotFoundError):
                    await js.stream_info(stream)
                    break
                await asyncio.sleep(0.05)
        subscription = await js.pull_subscribe(f"{prefix}.>", stream=stream)
        messages: list[Any] = []
        async with asyncio.timeout(30):
            while len(messages) < 4:
                try:
                    messages += await subscription.fetch(4 - len(messages), timeout=1)
                except nats.errors.TimeoutError:
                    continue
        assert [m.subject for m in messages] == [
            f"{prefix}.crmtest.widget.created",
            *[f"{prefix}.bells.bell.rung"] * 3,
        ]
        events = [events_pb2.CloudEvent.FromString(m.data) for m in messages]
        assert [m.headers["Nats-Msg-Id"] for m in messages] == [e.id for e in events]
        assert [e.id for e in events[1:]] == rung
        assert events[0].attributes["subject"].ce_string == created.id
        info = await js.stream_info(stream)
        assert info.state.messages == 4
        assert info.config.subjects == [f"{prefix}.>"]
    finally:
        await stop_test_host(host)
    # Only acknowledged events count as relayed: a second host on the same
    # database sends nothing again.
    again = await start_test_host(
        [(WidgetsPlugin(), "widgets"), (BellsPlugin(["bells.*"]), "bells")],
        crm_database_url,
        events_url=NATS_URL,
        events_stream=stream,
        events_subject_prefix=prefix,
        events_poll_interval_seconds=0.2,
    )
    try:
        late = await again.database.transaction(
            lambda s: again.events.publish(s, RUNG, "late", widgets_pb2.Widget())
        )
        async with asyncio.timeout(30):
            while (await js.stream_info(stream)).state.messages < 5:
                await asyncio.sleep(0.05)
        last = await js.get_last_msg(stream, f"{prefix}.bells.bell.rung")
        assert last.headers["Nats-Msg-Id"] == late
        assert (await js.stream_info(stream)).state.messages == 5
    finally:
        await stop_test_host(again)
