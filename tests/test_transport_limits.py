"""Transport limits, as a client that breaks the rules sees them.

gRPC libraries never send oversized headers, truncated messages or a
compressed flag without an encoding; a raw HTTP/2 client (the h2 library over
a plain TCP socket) does, so these tests speak HTTP/2 themselves.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import struct
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings
import hpack
import pytest
from google.rpc import error_details_pb2, status_pb2

from crm_host._server.access import Gatekeeper, Policy
from crm_host._server.admission import HostInterceptor
from crm_host._server.lifecycle import Host
from crm_host.testing import TestHost, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import EchoPlugin

ECHO = "/crmtest.v1.EchoService/Echo"
KIB = 1024
# The default max_metadata_bytes.
METADATA_LIMIT = 16 * KIB
# How long a test waits for an answer that must come; far above any real delay.
WAIT = 20.0

Header = tuple[bytes, bytes]


class _LiteralEncoder(hpack.Encoder):
    """HPACK without Huffman coding: pure-Python Huffman takes seconds per 100 kB."""

    def encode(self, headers: Any, huffman: bool = True) -> bytes:
        encoded: bytes = super().encode(headers, huffman=False)
        return encoded


@dataclass
class Stream:
    """What the server sent on one stream."""

    headers: list[Header] = field(default_factory=list)
    trailers: list[Header] = field(default_factory=list)
    data: bytes = b""
    ended: bool = False
    # The RST_STREAM error code, when the server reset the stream.
    reset: int | None = None

    @property
    def grpc_status(self) -> int | None:
        """grpc-status from the trailers, or from the headers of a Trailers-Only answer."""
        for name, value in [*self.trailers, *self.headers]:
            if name == b"grpc-status":
                return int(value)
        return None

    @property
    def grpc_message(self) -> str:
        for name, value in [*self.trailers, *self.headers]:
            if name == b"grpc-message":
                return value.decode()
        return ""

    @property
    def reason(self) -> str:
        """ErrorInfo.reason from the grpc-status-details-bin trailer."""
        [raw] = [v for k, v in [*self.trailers, *self.headers] if k == b"grpc-status-details-bin"]
        status = status_pb2.Status.FromString(base64.b64decode(raw + b"=" * (-len(raw) % 4)))
        info = error_details_pb2.ErrorInfo()
        assert status.details[0].Unpack(info)
        return str(info.reason)

    def replies(self) -> list[bytes]:
        """The gRPC messages of the body (length-prefixed, uncompressed)."""
        messages, rest = [], self.data
        while len(rest) >= 5:
            _, length = struct.unpack(">BI", rest[:5])
            messages.append(rest[5 : 5 + length])
            rest = rest[5 + length :]
        return messages


class RawHttp2:
    """An HTTP/2 client over a plain TCP socket that sends whatever a test asks."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.connection = h2.connection.H2Connection(
            h2.config.H2Configuration(
                client_side=True,
                header_encoding=None,
                validate_outbound_headers=False,
                normalize_outbound_headers=False,
            )
        )
        self.connection.encoder = _LiteralEncoder()
        self.streams: dict[int, Stream] = {}
        self.settings_received = False
        # GOAWAY's error code, once the server sent one.
        self.goaway: int | None = None
        self.closed = False

    @classmethod
    async def open(cls, port: int, *, acknowledge_settings: bool = True) -> RawHttp2:
        """Connect and send the preface.

        grpc applies the max_metadata_bytes it announces in SETTINGS only once
        the client has acknowledged them; ``acknowledge_settings=False``
        returns before reading them, so that the first requests go out ahead
        of the acknowledgement, as a hasty or hostile client's would.
        """
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        client.connection.initiate_connection()
        await client._flush()
        if acknowledge_settings:
            # h2 acknowledges SETTINGS as it reads them: once they are read,
            # the acknowledgement is on the wire before anything sent after.
            await client.wait_for(lambda: client.settings_received)
        return client

    async def close(self) -> None:
        self._writer.close()
        with _quietly():
            await self._writer.wait_closed()

    async def _flush(self) -> None:
        data = self.connection.data_to_send()
        if data:
            self._writer.write(data)
            await self._writer.drain()

    async def start_call(
        self,
        metadata: Sequence[Header] = (),
        body: bytes | None = None,
        *,
        path: str = ECHO,
        end_stream: bool = True,
    ) -> int:
        """Open a gRPC call's stream; send ``body`` (if any) and END_STREAM unless told not to."""
        stream_id: int = self.connection.get_next_available_stream_id()
        headers = [
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":path", path.encode()),
            (b":authority", b"localhost"),
            (b"content-type", b"application/grpc"),
            (b"te", b"trailers"),
            *metadata,
        ]
        self.streams[stream_id] = Stream()
        self.connection.send_headers(stream_id, headers, end_stream=body is None and end_stream)
        if body is not None:
            self.connection.send_data(stream_id, body, end_stream=end_stream)
        await self._flush()
        return stream_id

    async def send(self, stream_id: int, data: bytes, *, end_stream: bool = False) -> None:
        self.connection.send_data(stream_id, data, end_stream=end_stream)
        await self._flush()

    async def cancel(self, stream_id: int) -> None:
        """RST_STREAM CANCEL, as a gRPC client sends when its caller gives up."""
        self.connection.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        await self._flush()

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        """Read until ``condition()`` holds; fail after WAIT seconds or when the server closes."""
        async with asyncio.timeout(WAIT):
            while not condition():
                if self.closed:
                    raise AssertionError("the server closed the connection")
                data = await self._reader.read(65536)
                if not data:
                    self.closed = True
                    continue
                for event in self.connection.receive_data(data):
                    self._handle(event)
                await self._flush()

    async def answer(self, stream_id: int) -> Stream:
        """The stream once the server ended or reset it (or went away)."""
        stream = self.streams[stream_id]
        await self.wait_for(lambda: stream.ended or self.goaway is not None)
        return stream

    def _handle(self, event: Any) -> None:
        stream = self.streams.get(getattr(event, "stream_id", 0) or 0)
        if isinstance(event, h2.events.RemoteSettingsChanged):
            self.settings_received = True
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event.error_code
        elif stream is None:
            return
        elif isinstance(event, h2.events.ResponseReceived):
            stream.headers = list(event.headers)
        elif isinstance(event, h2.events.TrailersReceived):
            stream.trailers = list(event.headers)
        elif isinstance(event, h2.events.DataReceived):
            stream.data += event.data
            self.connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            stream.ended = True
        elif isinstance(event, h2.events.StreamReset):
            stream.reset = event.error_code
            stream.ended = True


class _quietly:
    """Suppress the errors of closing a socket the server may already have closed."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return isinstance(exc[1], ConnectionError | OSError)


async def eventually(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds; fail after WAIT seconds."""
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)


def grpc_message(payload: bytes, *, compressed: bool = False) -> bytes:
    """One length-prefixed gRPC message."""
    return struct.pack(">BI", int(compressed), len(payload)) + payload


def echo_request(message: str) -> bytes:
    return grpc_message(echo_pb2.EchoRequest(message=message).SerializeToString())


def grpc_size(headers: Sequence[Header]) -> int:
    """The size grpc counts for a header list: name, value and 32 bytes per entry."""
    return sum(len(name) + len(value) + 32 for name, value in headers)


# The headers RawHttp2.start_call sends before any metadata.
BASE_HEADERS: list[Header] = [
    (b":method", b"POST"),
    (b":scheme", b"http"),
    (b":path", ECHO.encode()),
    (b":authority", b"localhost"),
    (b"content-type", b"application/grpc"),
    (b"te", b"trailers"),
]


def sized_header(size: int, name: bytes = b"x-padding") -> Header:
    """A header of ``size`` bytes as grpc counts them."""
    return (name, b"p" * (size - len(name) - 32))


class RecordingEcho(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """Echoes, and records every request its handler was called with."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def Echo(self, request: echo_pb2.EchoRequest, context: grpc.aio.ServicerContext) -> Any:
        self.calls.append(request.message)
        return echo_pb2.EchoResponse(message=request.message)


class RecordingSyncEcho(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """RecordingEcho as a plain handler, which grpc runs on a worker thread."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def Echo(self, request: echo_pb2.EchoRequest, context: grpc.ServicerContext) -> Any:
        self.calls.append(request.message)
        return echo_pb2.EchoResponse(message=request.message)


Serve = Callable[..., Awaitable[Host]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """Start a host serving ``servicer`` as crmtest.v1.EchoService (Echo's access
    policy ``policy``), with host settings overridden."""
    started: list[TestHost] = []

    async def start(servicer: object, policy: str = "public", **settings: Any) -> Host:
        database = tmp_path / f"crm-{len(started)}.db"
        test_host = await start_test_host(
            [(EchoPlugin(servicer, policy), "echo")], f"sqlite:///{database}", **settings
        )
        started.append(test_host)
        return test_host.host

    yield start
    for test_host in started:
        await stop_test_host(test_host)


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Awaitable[RawHttp2]]]:
    clients: list[RawHttp2] = []

    async def open_client(host: Host, *, acknowledge_settings: bool = True) -> RawHttp2:
        assert host.port is not None
        client = await RawHttp2.open(host.port, acknowledge_settings=acknowledge_settings)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()


Connect = Callable[..., Awaitable[RawHttp2]]


async def still_serves(host: Host, connect: Connect, servicer: Any) -> None:
    """A fresh connection gets an ordinary call answered."""
    client = await connect(host)
    answer = await client.answer(await client.start_call(body=echo_request("still here")))
    assert answer.grpc_status == 0
    assert echo_pb2.EchoResponse.FromString(answer.replies()[0]).message == "still here"
    assert servicer.calls[-1] == "still here"


RESOURCE_EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
INTERNAL = grpc.StatusCode.INTERNAL.value[0]


# -- 1. Request metadata -----------------------------------------------------


@pytest.mark.parametrize("acknowledge_settings", [True, False], ids=["acked", "before-ack"])
@pytest.mark.parametrize(
    "metadata",
    [
        [(b"authorization", b"Bearer " + b"t" * 900_000)],
        # The metadata alone is over the limit, not only the whole header list.
        [sized_header(METADATA_LIMIT + 64)],
    ],
    ids=["900kB-authorization", "just-over-16KiB"],
)
async def test_headers_over_the_limit_are_refused_before_the_handler(
    serve: Serve, connect: Connect, acknowledge_settings: bool, metadata: list[Header]
) -> None:
    servicer = RecordingEcho()
    host = await serve(servicer)
    client = await connect(host, acknowledge_settings=acknowledge_settings)

    answer = await client.answer(await client.start_call(metadata, echo_request("big")))

    assert answer.grpc_status == RESOURCE_EXHAUSTED, answer
    assert servicer.calls == []
    await still_serves(host, connect, servicer)


@pytest.mark.parametrize("acknowledge_settings", [True, False], ids=["acked", "before-ack"])
async def test_headers_just_under_the_limit_are_served(
    serve: Serve, connect: Connect, acknowledge_settings: bool
) -> None:
    servicer = RecordingEcho()
    host = await serve(servicer)
    client = await connect(host, acknowledge_settings=acknowledge_settings)

    # The whole header list, pseudo-headers included, is under the limit.
    metadata = [sized_header(METADATA_LIMIT - 64 - grpc_size(BASE_HEADERS))]
    answer = await client.answer(await client.start_call(metadata, echo_request("fits")))

    assert answer.grpc_status == 0, answer
    assert servicer.calls == ["fits"]


async def test_many_streams_holding_large_headers_stay_bounded(
    serve: Serve, connect: Connect
) -> None:
    """50 streams, each with 15 KiB of headers and no request yet, held open at once.

    Each is either refused or served once its request comes; the server keeps
    answering others meanwhile.
    """
    servicer = RecordingEcho()
    host = await serve(servicer)
    client = await connect(host)
    held = [await client.start_call([sized_header(15 * KIB)], end_stream=False) for _ in range(50)]
    await still_serves(host, connect, servicer)
    for number, stream_id in enumerate(held):
        await client.send(stream_id, echo_request(f"held {number}"), end_stream=True)
    answers = [await client.answer(stream_id) for stream_id in held]
    statuses = {answer.grpc_status for answer in answers}
    assert statuses <= {0, RESOURCE_EXHAUSTED}, statuses
    served = [a for a in answers if a.grpc_status == 0]
    assert len(servicer.calls) == len(served) + 1
    await still_serves(host, connect, servicer)


# -- 2. A request that never arrives in full ----------------------------------

# A message prefix that announces 100 bytes, and 3 of them.
TRUNCATED = struct.pack(">BI", 0, 100) + b"abc"
NOT_RECEIVED = "the request did not arrive within the server's limit of 1.0s"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("servicer_type", [RecordingEcho, RecordingSyncEcho], ids=["async", "sync"])
@pytest.mark.parametrize("body", [TRUNCATED, None], ids=["truncated-message", "headers-only"])
async def test_a_request_that_never_arrives_in_full_ends_deadline_exceeded(
    serve: Serve,
    connect: Connect,
    servicer_type: type,
    body: bytes | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    servicer = servicer_type()
    host = await serve(servicer, receive_timeout_seconds=1)
    client = await connect(host)

    with caplog.at_level(logging.INFO, logger="crm_host"):
        # No END_STREAM: the client keeps the call open, as if more were coming.
        answer = await client.answer(await client.start_call(body=body, end_stream=False))

    assert (answer.grpc_status, answer.grpc_message) == (DEADLINE_EXCEEDED, NOT_RECEIVED)
    assert answer.reason == "REQUEST_NOT_RECEIVED"
    assert servicer.calls == []
    assert warnings(caplog) == [
        f"rpc {ECHO} from 127.0.0.1: the request did not arrive within 1.0s; "
        "answering DEADLINE_EXCEEDED"
    ]
    await still_serves(host, connect, servicer)


@pytest.mark.parametrize("servicer_type", [RecordingEcho, RecordingSyncEcho], ids=["async", "sync"])
async def test_a_request_sent_in_pieces_within_the_limit_is_served(
    serve: Serve, connect: Connect, servicer_type: type
) -> None:
    servicer = servicer_type()
    host = await serve(servicer, receive_timeout_seconds=10)
    client = await connect(host)
    request = echo_request("in pieces")

    stream_id = await client.start_call(end_stream=False)
    await client.send(stream_id, request[:3])
    await client.send(stream_id, request[3:], end_stream=True)
    answer = await client.answer(stream_id)

    assert answer.grpc_status == 0, answer
    assert servicer.calls == ["in pieces"]


@pytest.mark.parametrize("servicer_type", [RecordingEcho, RecordingSyncEcho], ids=["async", "sync"])
async def test_a_call_that_ends_without_its_request_is_invalid(
    serve: Serve, connect: Connect, servicer_type: type
) -> None:
    """Headers with END_STREAM and no message: grpc alone would never answer."""
    servicer = servicer_type()
    host = await serve(servicer)
    client = await connect(host)

    answer = await client.answer(await client.start_call(end_stream=True))

    assert answer.grpc_status == grpc.StatusCode.INVALID_ARGUMENT.value[0], answer
    assert answer.reason == "MALFORMED_REQUEST"
    assert servicer.calls == []
    await still_serves(host, connect, servicer)


async def test_a_refused_call_is_answered_without_waiting_for_its_request(
    serve: Serve, connect: Connect
) -> None:
    """Echo's policy here requires a caller: the refusal needs no request, so none is sent."""
    servicer = RecordingEcho()
    # A limit far beyond the test's wait: only an answer at once passes.
    host = await serve(servicer, policy="authenticated", receive_timeout_seconds=3600)
    client = await connect(host)

    answer = await client.answer(await client.start_call(end_stream=False))

    assert answer.grpc_status == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert answer.reason == "UNAUTHENTICATED"
    assert servicer.calls == []


def _reply(request: echo_pb2.EchoRequest, part: int) -> echo_pb2.EchoResponse:
    return echo_pb2.EchoResponse(message=f"{request.message} {part}")


async def _async_replies(request: echo_pb2.EchoRequest, context: Any) -> AsyncIterator[Any]:
    for part in (1, 2):
        yield _reply(request, part)


async def _written_replies(request: echo_pb2.EchoRequest, context: Any) -> None:
    for part in (1, 2):
        await context.write(_reply(request, part))


def _plain_replies(request: echo_pb2.EchoRequest, context: Any) -> Iterator[Any]:
    for part in (1, 2):
        yield _reply(request, part)


def _returned_replies(request: echo_pb2.EchoRequest, context: Any) -> Iterator[Any]:
    return iter([_reply(request, 1), _reply(request, 2)])


@pytest.mark.parametrize(
    "behavior",
    [_async_replies, _written_replies, _plain_replies, _returned_replies],
    ids=["async-generator", "context-write", "plain-generator", "plain-returns-iterator"],
)
async def test_server_streaming_handlers_are_bounded_too(
    behavior: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Each kind of server-streaming handler, behind the interceptor as the host builds it."""
    with ThreadPoolExecutor(2, "crm-sync-handler") as executor:
        interceptor = HostInterceptor(
            Gatekeeper({ECHO: Policy.parse("public")}), {}, receive_timeout=1.0, executor=executor
        )
        server = grpc.aio.server(migration_thread_pool=executor, interceptors=[interceptor])
        handler = grpc.unary_stream_rpc_method_handler(
            behavior,
            request_deserializer=echo_pb2.EchoRequest.FromString,
            response_serializer=echo_pb2.EchoResponse.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("crmtest.v1.EchoService", {"Echo": handler})]
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        client = await RawHttp2.open(port)
        try:
            with caplog.at_level(logging.INFO, logger="crm_host"):
                cut_short = await client.answer(
                    await client.start_call(body=TRUNCATED, end_stream=False)
                )
            whole = await client.answer(await client.start_call(body=echo_request("hi")))
        finally:
            await client.close()
            await server.stop(0)

    assert (cut_short.grpc_status, cut_short.grpc_message) == (DEADLINE_EXCEEDED, NOT_RECEIVED)
    assert len(warnings(caplog)) == 1
    assert whole.grpc_status == 0, whole
    assert [echo_pb2.EchoResponse.FromString(m).message for m in whole.replies()] == [
        "hi 1",
        "hi 2",
    ]


async def test_a_plain_generator_whose_client_goes_away_is_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It is closed on a worker thread (GeneratorExit), and the call is logged CANCELLED."""
    closed = threading.Event()

    def replies(request: echo_pb2.EchoRequest, context: Any) -> Iterator[Any]:
        try:
            # A reply every 10 ms, for longer than the test waits.
            for part in range(int(WAIT / 0.01)):
                yield _reply(request, part)
                time.sleep(0.01)
        finally:
            closed.set()

    with ThreadPoolExecutor(2, "crm-sync-handler") as executor:
        interceptor = HostInterceptor(
            Gatekeeper({ECHO: Policy.parse("public")}), {}, receive_timeout=1.0, executor=executor
        )
        server = grpc.aio.server(migration_thread_pool=executor, interceptors=[interceptor])
        handler = grpc.unary_stream_rpc_method_handler(
            replies,
            request_deserializer=echo_pb2.EchoRequest.FromString,
            response_serializer=echo_pb2.EchoResponse.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("crmtest.v1.EchoService", {"Echo": handler})]
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        client = await RawHttp2.open(port)
        try:
            with caplog.at_level(logging.INFO, logger="crm_host.rpc"):
                stream_id = await client.start_call(body=echo_request("bye"))
                stream = client.streams[stream_id]
                await client.wait_for(lambda: len(stream.replies()) == 1)
                await client.cancel(stream_id)
                await eventually(closed.is_set)
                await eventually(lambda: any("CANCELLED" in m for m in caplog.messages))
        finally:
            await client.close()
            await server.stop(0)
    assert [m.split()[2] for m in caplog.messages if m.startswith("rpc ")] == ["CANCELLED"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


# -- 3. Concurrent streams per connection -------------------------------------


class HoldingEcho(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """Holds every call until ``release`` is set; counts the calls inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.release = asyncio.Event()

    async def Echo(self, request: echo_pb2.EchoRequest, context: grpc.aio.ServicerContext) -> Any:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.release.wait()
        finally:
            self.inside -= 1
        return echo_pb2.EchoResponse(message=request.message)


async def test_calls_beyond_max_concurrent_streams_wait_in_the_client_and_succeed(
    serve: Serve,
) -> None:
    servicer = HoldingEcho()
    host = await serve(servicer, max_concurrent_streams=10)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        calls = [
            asyncio.ensure_future(stub.Echo(echo_pb2.EchoRequest(message=str(n)), timeout=WAIT))
            for n in range(25)
        ]
        await eventually(lambda: servicer.inside == 10)
        # The other 15 wait in the client, neither sent nor failed.
        assert not any(call.done() for call in calls)
        servicer.release.set()
        replies = await asyncio.gather(*calls)
    assert [reply.message for reply in replies] == [str(n) for n in range(25)]
    assert servicer.most_inside == 10


REFUSED_STREAM = 7
ENHANCE_YOUR_CALM = 11


@pytest.mark.parametrize(
    ("acknowledge_settings", "reset"),
    [(True, REFUSED_STREAM), (False, ENHANCE_YOUR_CALM)],
    ids=["acked", "before-ack"],
)
async def test_streams_a_client_opens_beyond_the_limit_are_reset(
    serve: Serve, connect: Connect, acknowledge_settings: bool, reset: int
) -> None:
    """A client that ignores MAX_CONCURRENT_STREAMS: the streams past it are reset at once."""
    servicer = RecordingEcho()
    host = await serve(servicer, max_concurrent_streams=10)
    client = await connect(host, acknowledge_settings=acknowledge_settings)
    # h2 keeps to the limit the server announced; this client pretends it saw none.
    client.connection.remote_settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] = 1000
    client.connection.remote_settings.acknowledge()

    streams = [await client.start_call(end_stream=False) for _ in range(12)]
    beyond = [await client.answer(stream_id) for stream_id in streams[10:]]
    assert [answer.reset for answer in beyond] == [reset, reset]
    for number, stream_id in enumerate(streams[:10]):
        await client.send(stream_id, echo_request(str(number)), end_stream=True)
    within = [await client.answer(stream_id) for stream_id in streams[:10]]

    assert [answer.grpc_status for answer in within] == [0] * 10
    assert servicer.calls == [str(n) for n in range(10)]


# -- 6. A compressed flag without an encoding ----------------------------------


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ([], "Compression bit set but no encoding configured"),
        ([(b"grpc-encoding", b"identity")], "Compression bit set but no encoding configured"),
        ([(b"grpc-encoding", b"gzip")], "Decompression failed due to zlib error"),
    ],
    ids=["no-grpc-encoding", "identity", "gzip-but-not-gzipped"],
)
async def test_a_message_that_cannot_be_decompressed_is_internal_from_grpc(
    serve: Serve, connect: Connect, metadata: list[Header], message: str
) -> None:
    """grpc answers it before the host's code runs: pinned, as the host cannot change it."""
    servicer = RecordingEcho()
    host = await serve(servicer)
    client = await connect(host)
    payload = echo_pb2.EchoRequest(message="squeezed").SerializeToString()

    answer = await client.answer(
        await client.start_call(metadata, grpc_message(payload, compressed=True))
    )

    assert (answer.grpc_status, answer.grpc_message) == (INTERNAL, message)
    assert servicer.calls == []
    # The same connection goes on serving, and new ones too.
    again = await client.answer(await client.start_call(body=echo_request("plain")))
    assert again.grpc_status == 0
    await still_serves(host, connect, servicer)


async def test_a_message_over_max_receive_message_bytes_is_refused_by_grpc(
    serve: Serve, connect: Connect
) -> None:
    servicer = RecordingEcho()
    host = await serve(servicer)
    client = await connect(host)
    payload = echo_pb2.EchoRequest(message="m" * 70_000).SerializeToString()

    answer = await client.answer(await client.start_call(body=grpc_message(payload)))

    assert (answer.grpc_status, answer.grpc_message) == (
        RESOURCE_EXHAUSTED,
        f"SERVER: Received message larger than max ({len(payload)} vs. 65536)",
    )
    assert servicer.calls == []
    await still_serves(host, connect, servicer)
