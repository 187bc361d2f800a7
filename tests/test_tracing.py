"""Optional OpenTelemetry tracing (the `tracing` option, crm-host[tracing])."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import testplugins.notes
from crm_host._server.lifecycle import HostError
from crm_host.testing import start_test_host, stop_test_host
from support.notes import Notes, token_for
from testplugins.echo import AsyncEchoPlugin, SyncEchoPlugin


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    # The global provider can be set once per process; later tests reuse it.
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_calls_are_traced_when_tracing_is_on(
    crm_database_url: str, spans: InMemorySpanExporter
) -> None:
    test_host = await start_test_host(
        [(testplugins.notes, "notes")], crm_database_url, tracing=True
    )
    try:
        spans.clear()
        writer = token_for(test_host, "writer-1", testplugins.notes.WRITER)
        await Notes(test_host.channel, writer).create("traced")
    finally:
        await stop_test_host(test_host)
    names = [span.name for span in spans.get_finished_spans()]
    assert "/crmtest.v1.NotesService/CreateNote" in names


async def test_tracing_refuses_plain_sync_handlers(crm_database_url: str) -> None:
    with pytest.raises(
        HostError,
        match=r"cannot wrap plain \(sync\) handlers: "
        r"crmtest\.v1\.EchoService/Echo",
    ):
        await start_test_host([(SyncEchoPlugin(), "echo")], crm_database_url, tracing=True)


async def test_calls_over_the_http_listener_are_traced_too(
    crm_database_url: str, spans: InMemorySpanExporter
) -> None:
    test_host = await start_test_host(
        [(AsyncEchoPlugin(), "echo")],
        crm_database_url,
        tracing=True,
        http_listen="127.0.0.1:0",
    )
    try:
        spans.clear()
        async with httpx.AsyncClient(base_url=test_host.http_url) as client:
            reply = await client.post("/crmtest.v1.EchoService/Echo", json={"message": "traced"})
            failed = await client.post("/crmtest.v1.EchoService/Echo", json={"message": "abort"})
    finally:
        await stop_test_host(test_host)
    assert reply.json()["message"] == "traced"
    assert failed.json()["code"] == "failed_precondition"
    names = [span.name for span in spans.get_finished_spans()]
    assert names.count("/crmtest.v1.EchoService/Echo") == 2
