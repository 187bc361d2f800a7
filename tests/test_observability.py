"""Request ids, structured logs and Prometheus metrics, on real servers over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import logging
import re
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import grpc.aio
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

import testplugins.notes
from crm_host._server import logs, metrics
from crm_host._server import store as database
from crm_host._server.access import Gatekeeper, Policy
from crm_host._server.admission import HostInterceptor
from crm_host._server.config import HostSettings
from crm_host._server.lifecycle import Host
from crm_host._server.plugins import PluginManager
from crm_host.testing import DETAILS_KEY, StartHost, rich_error
from support.notes import Notes, add_author
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc, notes_pb2, notes_pb2_grpc
from testplugins.echo import AsyncEcho, EchoPlugin, SyncEcho, WhoAmIPlugin

ECHO = "/crmtest.v1.EchoService/Echo"
GENERATED = re.compile(r"[0-9a-f]{32}")
plugin_log = logging.getLogger("crmtest.plugin")


class LoggingAsyncEcho(AsyncEcho):
    """AsyncEcho that logs twice per call, as a plugin would."""

    async def Echo(self, request: echo_pb2.EchoRequest, context: grpc.aio.ServicerContext) -> Any:
        plugin_log.debug("echoing %s", request.message)
        await asyncio.sleep(0)
        plugin_log.warning("echoed %s", request.message, extra={"echo_length": 3})
        return await super().Echo(request, context)


class LoggingSyncEcho(SyncEcho):
    def Echo(self, request: echo_pb2.EchoRequest, context: grpc.ServicerContext) -> Any:
        plugin_log.debug("echoing %s", request.message)
        plugin_log.warning("echoed %s", request.message, extra={"echo_length": 3})
        return super().Echo(request, context)


BOTH_KINDS = pytest.mark.parametrize(
    "servicer", [LoggingAsyncEcho, LoggingSyncEcho], ids=["async", "sync"]
)


@pytest.fixture
def echo_to(crm_host: StartHost) -> Callable[[Any], Any]:
    async def start(servicer: Any) -> Any:
        host = await crm_host((EchoPlugin(servicer), "echo"))
        return echo_pb2_grpc.EchoServiceStub(host.channel)

    return start


@pytest.fixture
def log_to() -> Iterator[Callable[[logs.LogFormat], io.StringIO]]:
    """Configure process logging into a buffer, as `crm-host serve` would into stderr."""
    root = logging.getLogger()
    level = root.level
    installed: list[logging.Handler] = []

    def configure(format: logs.LogFormat) -> io.StringIO:
        buffer = io.StringIO()
        installed.append(logs.configure(format, "DEBUG", stream=buffer))
        return buffer

    yield configure
    for handler in installed:
        root.removeHandler(handler)
    root.setLevel(level)


def request_id_trailer(metadata: Any) -> list[str]:
    return [value for key, value in metadata or () if key == "x-request-id"]


async def wait_for(condition: Callable[[], bool]) -> None:
    """Sync handlers write their log line after the client got the reply."""
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


# Request ids


@BOTH_KINDS
async def test_the_callers_request_id_comes_back_in_the_trailers(
    servicer: type, echo_to: Callable[[Any], Any]
) -> None:
    stub = await echo_to(servicer())
    call = stub.Echo(echo_pb2.EchoRequest(message="hi"), metadata=(("x-request-id", "abc-123"),))
    assert (await call).message == "hi"
    assert request_id_trailer(await call.trailing_metadata()) == ["abc-123"]


@BOTH_KINDS
async def test_a_request_id_is_generated_per_call_when_absent_or_unacceptable(
    servicer: type, echo_to: Callable[[Any], Any]
) -> None:
    stub = await echo_to(servicer())
    ids: list[str] = []
    for metadata in [(), (), (("x-request-id", "has space"),), (("x-request-id", "x" * 129),)]:
        call = stub.Echo(echo_pb2.EchoRequest(message="hi"), metadata=metadata)
        await call
        [request_id] = request_id_trailer(await call.trailing_metadata())
        assert GENERATED.fullmatch(request_id)
        ids.append(request_id)
    assert len(set(ids)) == len(ids)
    longest = "!" + "~" * 127
    call = stub.Echo(echo_pb2.EchoRequest(message="hi"), metadata=(("x-request-id", longest),))
    await call
    assert request_id_trailer(await call.trailing_metadata()) == [longest]


async def test_an_invalid_argument_error_keeps_its_details_and_carries_the_request_id(
    crm_host: StartHost,
) -> None:
    host = await crm_host((EchoPlugin(LoggingAsyncEcho()), "echo"))
    echo = host.channel.unary_unary(ECHO)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        # Field 1 claims 100 bytes: not a valid EchoRequest.
        await echo(b"\x0a\x64abc", metadata=(("x-request-id", "bad-1"),), timeout=10)
    error = rich_error(failure.value)
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST")
    trailers = failure.value.trailing_metadata()
    assert request_id_trailer(trailers) == ["bad-1"]
    assert [key for key, _ in trailers if key == DETAILS_KEY] == [DETAILS_KEY]


async def test_a_plugins_validation_errors_carry_the_request_id(crm_host: StartHost) -> None:
    host = await crm_host((testplugins.notes, "notes"))
    writer = host.caller("writer-1", [testplugins.notes.WRITER])
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await notes_pb2_grpc.NotesServiceStub(host.channel).CreateNote(
            notes_pb2.CreateNoteRequest(text=""),
            metadata=(*writer, ("x-request-id", "create-7")),
            timeout=30,
        )
    error = rich_error(failure.value)
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_FAILED")
    assert request_id_trailer(failure.value.trailing_metadata()) == ["create-7"]


@BOTH_KINDS
async def test_handler_aborts_and_unexpected_exceptions_carry_the_request_id(
    servicer: type, echo_to: Callable[[Any], Any]
) -> None:
    stub = await echo_to(servicer())
    for message, code in [
        ("abort", grpc.StatusCode.FAILED_PRECONDITION),
        ("raise", grpc.StatusCode.INTERNAL),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await stub.Echo(
                echo_pb2.EchoRequest(message=message), metadata=(("x-request-id", message),)
            )
        assert failure.value.code() == code
        assert request_id_trailer(failure.value.trailing_metadata()) == [message]


async def test_a_refused_call_carries_the_request_id(crm_host: StartHost) -> None:
    host = await crm_host((WhoAmIPlugin("authenticated"), "echo"))
    stub = echo_pb2_grpc.EchoServiceStub(host.channel)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await stub.Echo(echo_pb2.EchoRequest(), metadata=(("x-request-id", "nobody"),))
    assert rich_error(failure.value).reason == "UNAUTHENTICATED"
    assert request_id_trailer(failure.value.trailing_metadata()) == ["nobody"]


# Logs


@BOTH_KINDS
async def test_every_json_log_line_of_a_call_carries_its_request_id(
    servicer: type,
    echo_to: Callable[[Any], Any],
    log_to: Callable[[logs.LogFormat], io.StringIO],
) -> None:
    stub = await echo_to(servicer())
    output = log_to("json")
    for name in ("first", "second"):
        await stub.Echo(echo_pb2.EchoRequest(message=name), metadata=(("x-request-id", name),))
    logging.getLogger("crmtest").info("outside any call")

    def entries() -> list[dict[str, Any]]:
        return [json.loads(line) for line in output.getvalue().splitlines()]

    await wait_for(lambda: sum(e["logger"] == "crm_host.rpc" for e in entries()) == 2)
    for entry in entries():
        assert set(entry) >= {"time", "level", "logger", "message"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    calls = [e for e in entries() if e["logger"] in ("crmtest.plugin", "crm_host.rpc")]
    assert [(e["logger"], e["level"], e.get("request_id")) for e in calls] == [
        ("crmtest.plugin", "DEBUG", "first"),
        ("crmtest.plugin", "WARNING", "first"),
        ("crm_host.rpc", "INFO", "first"),
        ("crmtest.plugin", "DEBUG", "second"),
        ("crmtest.plugin", "WARNING", "second"),
        ("crm_host.rpc", "INFO", "second"),
    ]
    assert calls[1]["echo_length"] == 3
    rpc = calls[2]
    assert re.fullmatch(rf"rpc {ECHO} OK \d+\.\dms", rpc["message"])
    assert (rpc["grpc_method"], rpc["grpc_code"]) == (ECHO, "OK")
    [outside] = [e for e in entries() if e["message"] == "outside any call"]
    assert "request_id" not in outside


@BOTH_KINDS
async def test_an_unexpected_exception_is_one_json_line_with_its_traceback_and_request_id(
    servicer: type,
    echo_to: Callable[[Any], Any],
    log_to: Callable[[logs.LogFormat], io.StringIO],
) -> None:
    stub = await echo_to(servicer())
    output = log_to("json")
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.Echo(echo_pb2.EchoRequest(message="raise"), metadata=(("x-request-id", "r"),))

    def entries() -> list[dict[str, Any]]:
        return [json.loads(line) for line in output.getvalue().splitlines()]

    await wait_for(lambda: any(e["logger"] == "crm_host.rpc" for e in entries()))
    [error] = [e for e in entries() if e["level"] == "ERROR"]
    assert error["request_id"] == "r"
    assert "Traceback" in error["exc_info"]
    assert "RuntimeError" in error["exc_info"]


async def test_text_lines_keep_their_format_and_end_with_the_request_id_inside_calls(
    echo_to: Callable[[Any], Any], log_to: Callable[[logs.LogFormat], io.StringIO]
) -> None:
    stub = await echo_to(LoggingAsyncEcho())
    output = log_to("text")
    await stub.Echo(echo_pb2.EchoRequest(message="t"), metadata=(("x-request-id", "t-1"),))
    logging.getLogger("crmtest").info("outside any call")
    lines = output.getvalue().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert any(
        re.fullmatch(rf"{stamp} INFO crm_host\.rpc: rpc {ECHO} OK \d+\.\dms request_id=t-1", line)
        for line in lines
    ), lines
    assert any(
        re.fullmatch(rf"{stamp} WARNING crmtest\.plugin: echoed t request_id=t-1", line)
        for line in lines
    ), lines
    assert any(re.fullmatch(rf"{stamp} INFO crmtest: outside any call", line) for line in lines), (
        lines
    )


# Metrics


@dataclasses.dataclass
class Scrape:
    families: dict[str, Any]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples ``name`` whose labels include ``labels``."""
        return sum(
            float(sample.value)
            for family in self.families.values()
            for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )


def scrape(port: int) -> Scrape:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return Scrape({f.name: f for f in text_string_to_metric_families(text)})


@pytest.fixture
async def metrics_server() -> AsyncIterator[tuple[metrics.Metrics, int]]:
    registry = CollectorRegistry()
    server, port = metrics.serve("127.0.0.1:0", registry)
    yield metrics.Metrics(registry), port
    await asyncio.to_thread(metrics.stop, server)


@BOTH_KINDS
async def test_scraped_metrics_count_calls_by_type_service_method_and_code(
    servicer: type, metrics_server: tuple[metrics.Metrics, int]
) -> None:
    recorder, port = metrics_server
    # Built as host.py builds it: the interceptor gets the Metrics.
    gatekeeper = Gatekeeper({ECHO: Policy.parse("public")})
    with ThreadPoolExecutor(2) as executor:
        server = grpc.aio.server(
            migration_thread_pool=executor,
            interceptors=[HostInterceptor(gatekeeper, {}, metrics=recorder)],
        )
        echo_pb2_grpc.add_EchoServiceServicer_to_server(servicer(), server)
        grpc_port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
                stub = echo_pb2_grpc.EchoServiceStub(channel)
                for message in ("a", "b", "raise", "abort"):
                    with contextlib.suppress(grpc.aio.AioRpcError):
                        await stub.Echo(echo_pb2.EchoRequest(message=message))
                with pytest.raises(grpc.aio.AioRpcError):
                    await channel.unary_unary(ECHO)(b"\x0a\x64abc", timeout=10)
        finally:
            await server.stop(0)

    labels = {"grpc_type": "unary", "grpc_service": "crmtest.v1.EchoService", "grpc_method": "Echo"}
    await wait_for(lambda: scrape(port).value("grpc_server_handled_total", **labels) == 5)
    result = await asyncio.to_thread(scrape, port)
    assert result.value("grpc_server_started_total", **labels) == 5
    for code, count in [
        ("OK", 2),
        ("INTERNAL", 1),
        ("FAILED_PRECONDITION", 1),
        ("INVALID_ARGUMENT", 1),
    ]:
        assert result.value("grpc_server_handled_total", grpc_code=code, **labels) == count
    assert result.value("grpc_server_handling_seconds_count", **labels) == 5
    assert result.value("grpc_server_handling_seconds_bucket", le="10.0", **labels) == 5
    assert result.value("grpc_server_msg_received_total", **labels) == 5
    assert result.value("grpc_server_msg_sent_total", **labels) == 2


class contextlib_suppress_rpc_error:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        return isinstance(value, grpc.aio.AioRpcError)


def test_pool_and_plugin_gauges_are_read_at_scrape_time(
    metrics_server: tuple[metrics.Metrics, int], tmp_path: Any
) -> None:
    recorder, port = metrics_server
    engine = database.create_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        recorder.watch_pool(engine)
        recorder.plugins_loaded.set(3)
        with engine.connect():
            during = scrape(port)
        after = scrape(port)
    finally:
        engine.dispose()
    assert during.value("crm_host_db_pool_checked_out") == 1
    assert after.value("crm_host_db_pool_checked_out") == 0
    assert after.value("crm_host_db_pool_size") == engine.pool.size()  # type: ignore[attr-defined]
    assert after.value("crm_host_plugins_loaded") == 3


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("[::]:0", ("::", 0)),
        (":9464", ("0.0.0.0", 9464)),  # noqa: S104 - what ":port" means
    ],
)
def test_metrics_addresses(address: str, expected: tuple[str, int]) -> None:
    assert metrics.parse_address(address) == expected


def test_a_metrics_address_without_a_port_is_refused() -> None:
    with pytest.raises(ValueError, match="not host:port"):
        metrics.parse_address("localhost")


async def test_the_host_serves_metrics_when_given_an_address(crm_database_url: str) -> None:
    manager = PluginManager()
    manager.register(testplugins.notes, "notes")
    settings = HostSettings(
        listen="127.0.0.1:0",
        database_url=crm_database_url,
        migrate=True,
        metrics_listen="127.0.0.1:0",
    )
    host = Host(manager, settings)
    try:
        await host.start()
        await host.wait_ready()
        writer = await asyncio.to_thread(add_author, crm_database_url, "writer")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            client = Notes(channel, writer)
            await client.create("counted")
            with pytest.raises(grpc.aio.AioRpcError):
                await client.create("")
        assert host.metrics_port is not None
        result = await asyncio.to_thread(scrape, host.metrics_port)
    finally:
        await host.stop(0)
    labels = {
        "grpc_type": "unary",
        "grpc_service": "crmtest.v1.NotesService",
        "grpc_method": "CreateNote",
    }
    assert result.value("grpc_server_started_total", **labels) == 2
    assert result.value("grpc_server_handled_total", grpc_code="OK", **labels) == 1
    assert result.value("grpc_server_handled_total", grpc_code="INVALID_ARGUMENT", **labels) == 1
    assert result.value("crm_host_plugins_loaded") == 1
    assert result.value("crm_host_db_pool_size") >= 0
