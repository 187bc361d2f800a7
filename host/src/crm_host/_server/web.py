"""The HTTP listener: every registered service over Connect and gRPC-Web, for browsers and curl.

Browsers cannot speak gRPC (it needs HTTP/2 trailers). This serves the same
services on a second port, over HTTP/1.1, in the Connect protocol (JSON and
binary, unary and server streaming) and in gRPC-Web (binary and text), on
the host's event loop (uvicorn, used as a library).

Nothing is served differently: each service's generated
``add_XServicer_to_server`` runs against a stand-in server to collect its
method handlers, and each call goes through the gRPC port's interceptors
(admission, access policies, the request id, the log line, metrics, error
mapping) to the same handler, with a context that behaves as grpc.aio's:
plain (sync) handlers run on the host's worker threads as grpc runs them.
The request's headers, less HTTP's and the protocols' own, are the call's
metadata, so the metadata limit and the authorization header work as on the
gRPC port; each request message is bounded by max_receive_message_bytes
before it is decoded.

Connect JSON requests are decoded by the interceptor's own decoding step,
with the JSON parser in place of the binary one, so a malformed body is the
same INVALID_ARGUMENT ``MALFORMED_REQUEST`` (after admission) as malformed
protobuf on the gRPC port.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import functools
import inspect
import json
import logging
import socket
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn

import grpc
import grpc.aio
from google.protobuf import json_format, message_factory
from google.protobuf.message import Message

from crm_host._server import webproto
from crm_host._server.admission import (
    INTERNAL_STATUS,
    _read_then_run,
    _read_then_run_stream,
)
from crm_host._server.registry import RegisteredService
from crm_host._server.webproto import (
    COMPRESSED,
    END_STREAM,
    TRAILERS,
    Base64Stream,
    Deframer,
    Outcome,
    envelope,
    refusal,
    too_large,
)
from crm_host.errors import ServiceError

log = logging.getLogger("crm_host.http")

Headers = list[tuple[bytes, bytes]]
Metadata = tuple[tuple[str, Any], ...]


class Protocol(enum.Enum):
    CONNECT_UNARY = "connect unary"
    CONNECT_STREAM = "connect streaming"
    GRPC_WEB = "grpc-web"
    GRPC_WEB_TEXT = "grpc-web-text"


# By media type: the protocol, and whether messages are JSON.
CONTENT_TYPES: Mapping[str, tuple[Protocol, bool]] = {
    "application/proto": (Protocol.CONNECT_UNARY, False),
    "application/json": (Protocol.CONNECT_UNARY, True),
    "application/connect+proto": (Protocol.CONNECT_STREAM, False),
    "application/connect+json": (Protocol.CONNECT_STREAM, True),
    "application/grpc-web": (Protocol.GRPC_WEB, False),
    "application/grpc-web+proto": (Protocol.GRPC_WEB, False),
    "application/grpc-web-text": (Protocol.GRPC_WEB_TEXT, False),
    "application/grpc-web-text+proto": (Protocol.GRPC_WEB_TEXT, False),
}

# Request headers that belong to HTTP or to the protocols, not to the call:
# grpc does not hand their gRPC counterparts to handlers either.
NOT_METADATA = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "expect",
        "te",
        "content-type",
        "content-length",
        "content-encoding",
        "accept-encoding",
        "connect-protocol-version",
        "connect-timeout-ms",
        "connect-content-encoding",
        "connect-accept-encoding",
        "grpc-timeout",
        "grpc-encoding",
        "grpc-accept-encoding",
        "x-grpc-web",
    }
)

# What a browser's script may read of a response from another origin.
EXPOSED_HEADERS = ", ".join(
    [
        "grpc-status",
        "grpc-message",
        "grpc-status-details-bin",
        "connect-content-encoding",
        "connect-accept-encoding",
        "x-request-id",
        "trailer-x-request-id",
    ]
)
# How long a browser may reuse a preflight's answer, in seconds.
PREFLIGHT_MAX_AGE = 7200


@dataclass(frozen=True)
class Route:
    """One method as the HTTP listener serves it."""

    path: str
    handler: grpc.RpcMethodHandler
    request_class: type[Message]
    server_streaming: bool


class _Collector:
    """Stands in for grpc.aio.Server while a service's add_XServicer_to_server registers."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}
        self.generic: list[grpc.GenericRpcHandler] = []

    def add_registered_method_handlers(
        self, service_name: str, method_handlers: Mapping[str, grpc.RpcMethodHandler]
    ) -> None:
        for method, handler in method_handlers.items():
            self.handlers[f"/{service_name}/{method}"] = handler

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self.generic.extend(handlers)

    def handler(self, path: str) -> grpc.RpcMethodHandler | None:
        found = self.handlers.get(path)
        for generic in self.generic:
            if found is not None:
                break
            found = generic.service(_CallDetails(path, ()))
        return found


class _CallDetails(grpc.HandlerCallDetails):  # type: ignore[misc]
    def __init__(self, method: str, invocation_metadata: Metadata) -> None:
        self.method = method
        self.invocation_metadata = invocation_metadata


def routes(services: Sequence[RegisteredService]) -> dict[str, Route]:
    """Every method of ``services``, from the handlers their registration functions add."""
    found = {}
    for service in services:
        collector = _Collector()
        service.add_to_server(service.servicer, collector)
        for method in service.descriptor.methods:
            path = service.method_path(method.name)
            handler = collector.handler(path)
            if handler is None:
                continue
            found[path] = Route(
                path,
                handler,
                message_factory.GetMessageClass(method.input_type),
                method.server_streaming,
            )
    return found


def _json_parser(message_class: type[Message]) -> Callable[[bytes], Message]:
    def parse(raw: bytes) -> Message:
        value = json.loads(raw)
        if not isinstance(value, dict):
            # json_format would take a list for a message.
            raise ValueError("a message is a JSON object")
        message = message_class()
        # Unknown fields are ignored, as Connect's own servers do: a newer
        # client may send fields this server does not know yet.
        json_format.ParseDict(value, message, ignore_unknown_fields=True)
        return message

    return parse


class Gateway:
    """The ASGI application: routes each POST to its method, with CORS."""

    def __init__(
        self,
        routes: Mapping[str, Route],
        interceptors: Sequence[grpc.aio.ServerInterceptor],
        *,
        max_message_bytes: int,
        cors_origins: frozenset[str] = frozenset(),
        executor: Executor | None = None,
    ) -> None:
        self.routes = routes
        self.interceptors = tuple(interceptors)
        self.max_message_bytes = max_message_bytes
        self.cors_origins = cors_origins
        self.executor = executor

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        headers = [
            (key.decode("latin-1").lower(), value.decode("latin-1"))
            for key, value in scope["headers"]
        ]
        origin = _first(headers, "origin")
        cors = self._cors(origin)
        method = scope["method"]
        if method == "OPTIONS":
            await self._preflight(headers, origin, send)
            return
        if method != "POST":
            await _respond(send, 405, [(b"allow", b"POST, OPTIONS"), *cors], b"use POST\n")
            return
        media = (_first(headers, "content-type") or "").partition(";")[0].strip().lower()
        protocol = CONTENT_TYPES.get(media)
        route = self.routes.get(scope["path"])
        if protocol is None or (route is not None and not _fits(protocol[0], route)):
            await _respond(
                send,
                415,
                cors,
                b"unsupported content type: use application/json or application/proto "
                b"(Connect unary), application/connect+json or application/connect+proto "
                b"(Connect streaming), application/grpc-web or application/grpc-web-text\n",
            )
            return
        call = _HttpCall(self, scope, receive, send, headers, cors, route, *protocol)
        await call.run()

    def _cors(self, origin: str | None) -> Headers:
        if origin is None or not self.cors_origins:
            return []
        if "*" in self.cors_origins:
            allowed = "*"
        elif origin in self.cors_origins:
            allowed = origin
        else:
            return []
        return [
            (b"access-control-allow-origin", allowed.encode("latin-1")),
            (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
            (b"vary", b"origin"),
        ]

    async def _preflight(
        self,
        headers: list[tuple[str, str]],
        origin: str | None,
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        requested = _first(headers, "access-control-request-method")
        if origin is None or requested is None:
            await _respond(send, 204, [(b"allow", b"POST, OPTIONS")], b"")
            return
        cors = self._cors(origin)
        if not cors or requested != "POST":
            await _respond(send, 403, [(b"vary", b"origin")], b"origin or method not allowed\n")
            return
        asked = _first(headers, "access-control-request-headers") or ""
        # Echo only header names (tokens): anything else cannot be a name.
        names = [name.strip() for name in asked.split(",") if _token(name.strip())]
        await _respond(
            send,
            204,
            [
                (b"access-control-allow-origin", cors[0][1]),
                (b"access-control-allow-methods", b"POST"),
                (b"access-control-allow-headers", ", ".join(names).encode("latin-1")),
                (b"access-control-max-age", str(PREFLIGHT_MAX_AGE).encode()),
                (
                    b"vary",
                    b"origin, access-control-request-method, access-control-request-headers",
                ),
            ],
            b"",
        )

    async def intercept(
        self, details: _CallDetails, handler: grpc.RpcMethodHandler
    ) -> grpc.RpcMethodHandler | None:
        """``handler`` as the interceptors return it, outermost first, as grpc.aio runs them."""

        async def terminal(_: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
            return handler

        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]] = terminal
        for interceptor in reversed(self.interceptors):
            continuation = functools.partial(interceptor.intercept_service, continuation)
        result: grpc.RpcMethodHandler | None = await continuation(details)
        return result


def _fits(protocol: Protocol, route: Route) -> bool:
    """Connect's unary content types are for unary methods, its streaming ones for streams."""
    if protocol is Protocol.CONNECT_UNARY:
        return not (route.server_streaming or route.handler.request_streaming)
    if protocol is Protocol.CONNECT_STREAM:
        return route.server_streaming or bool(route.handler.request_streaming)
    return True


def _token(text: str) -> bool:
    return 0 < len(text) <= 100 and all(c.isalnum() or c in "-_." for c in text)


def _first(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)


async def _respond(
    send: Callable[[dict[str, Any]], Awaitable[None]], status: int, headers: Headers, body: bytes
) -> None:
    content = [(b"content-type", b"text/plain; charset=utf-8")] if body else []
    content.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": content + headers})
    await send({"type": "http.response.body", "body": body})


def _peer(scope: Mapping[str, Any]) -> str:
    """The client's address written as grpc writes peers (crm_host._server.peers)."""
    client = scope.get("client")
    if not client:
        return "unix:"
    host, port = client[0], client[1]
    return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"


class Metadatum(NamedTuple):
    """One metadata entry, a pair with names, as grpc hands them to interceptors."""

    key: str
    value: Any


def _metadata(headers: Sequence[tuple[str, str]]) -> Metadata:
    """The call's metadata: every header but HTTP's and the protocols', ``-bin`` ones decoded."""
    metadata: list[tuple[str, Any]] = []
    for key, value in headers:
        if key in NOT_METADATA:
            continue
        if key.endswith("-bin"):
            try:
                metadata.append(Metadatum(key, webproto.b64decode(value)))
            except ValueError:
                raise refusal(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "MALFORMED_METADATA",
                    f"the {key[:64]} header is not base64",
                ) from None
        else:
            metadata.append(Metadatum(key, value))
    return tuple(metadata)


class _HttpCall:
    """One call over HTTP: reads its request, runs it, writes the answer in its protocol."""

    def __init__(
        self,
        gateway: Gateway,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
        headers: list[tuple[str, str]],
        cors: Headers,
        route: Route | None,
        protocol: Protocol,
        json_codec: bool,
    ) -> None:
        self.gateway = gateway
        self.scope = scope
        self.receive = receive
        self.send = send
        self.headers = headers
        self.cors = cors
        self.route = route
        self.protocol = protocol
        self.json = json_codec
        self.path: str = scope["path"]
        self.peer = _peer(scope)
        self.loop = asyncio.get_running_loop()
        self.deadline: float | None = None
        self.metadata: Metadata = ()
        # The request body as it arrives.
        self._messages: deque[bytes] = deque()
        self._body_ended = False
        self._body_done = asyncio.Event()
        self._deframer = Deframer(gateway.max_message_bytes)
        self._text = Base64Stream() if protocol is Protocol.GRPC_WEB_TEXT else None
        self._unary_body = bytearray()
        self._unary_read = False
        # The answer as the handler gives it.
        self.initial_metadata: Metadata = ()
        self.trailers: Metadata = ()
        self.code: grpc.StatusCode | None = None
        self.details = ""
        self.response: bytes | None = None
        self.started = False
        self.done = False
        self.disconnected = False
        self._serializer: Callable[[Any], bytes] | None = None
        self.callbacks: list[Callable[[], object]] = []

    # --- running the call ---

    async def run(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        watcher = None
        if self.route is not None and self.route.server_streaming:
            watcher = asyncio.create_task(self._watch_disconnect(task))
        try:
            outcome = await self._outcome()
        except asyncio.CancelledError:
            if not self.disconnected:
                raise
            task.uncancel()
            return
        finally:
            self.done = True
            if watcher is not None:
                watcher.cancel()
            for callback in self.callbacks:
                try:
                    callback()
                except Exception:
                    log.exception("a done callback of the HTTP call to %s failed", self.path)
        await self._finish(outcome)

    async def _outcome(self) -> Outcome:
        timer: asyncio.Timeout | None = None
        try:
            self.metadata = _metadata(self.headers)
            self.deadline = self._deadline()
            self._refuse_compression()
            if self.route is None:
                raise refusal(
                    grpc.StatusCode.UNIMPLEMENTED,
                    "UNIMPLEMENTED",
                    f"no method {self.path[:200]!r} is served here",
                )
            handler = self.route.handler
            if self.json:
                handler = handler._replace(
                    request_deserializer=_json_parser(self.route.request_class)
                )
            # The client's deadline covers admission too, as on the gRPC port.
            timer = asyncio.timeout_at(self.deadline)
            async with timer:
                await self._admit_and_invoke(handler)
        except ServiceError as error:
            status = error.to_status()
            return Outcome(status.code, status.details, tuple(status.trailing_metadata))
        except grpc.aio.AbortError:
            pass
        except TimeoutError:
            if timer is None or not timer.expired():
                raise
            return Outcome(
                grpc.StatusCode.DEADLINE_EXCEEDED, "the call's deadline passed", self.trailers
            )
        except Exception:
            log.exception("the HTTP call to %s failed", self.path)
            status = INTERNAL_STATUS
            return Outcome(status.code, status.details, tuple(status.trailing_metadata))
        return Outcome(self.code or grpc.StatusCode.OK, self.details, self.trailers)

    async def _admit_and_invoke(self, handler: grpc.RpcMethodHandler) -> None:
        details = _CallDetails(self.path, self.metadata)
        intercepted = await self.gateway.intercept(details, handler)
        if intercepted is None:
            raise refusal(
                grpc.StatusCode.UNIMPLEMENTED, "UNIMPLEMENTED", f"{self.path} is not served here"
            )
        self._serializer = intercepted.response_serializer
        await self._invoke(intercepted, WebContext(self))

    def _refuse_compression(self) -> None:
        """Compressed requests are not accepted (each protocol names the encoding its way)."""
        header = {
            Protocol.CONNECT_UNARY: "content-encoding",
            Protocol.CONNECT_STREAM: "connect-content-encoding",
        }.get(self.protocol, "grpc-encoding")
        encoding = _first(self.headers, header)
        if encoding is not None and encoding.strip().lower() != "identity":
            raise refusal(
                grpc.StatusCode.UNIMPLEMENTED,
                "COMPRESSION_UNSUPPORTED",
                f"{header} {encoding[:32]!r} is not supported: send requests uncompressed",
            )

    def _deadline(self) -> float | None:
        if self.protocol in (Protocol.CONNECT_UNARY, Protocol.CONNECT_STREAM):
            text = _first(self.headers, "connect-timeout-ms")
            timeout = None if text is None else webproto.parse_connect_timeout(text)
        else:
            text = _first(self.headers, "grpc-timeout")
            timeout = None if text is None else webproto.parse_grpc_timeout(text)
        return None if timeout is None else self.loop.time() + timeout

    async def _invoke(self, handler: grpc.RpcMethodHandler, context: WebContext) -> None:
        kind = next(
            kind
            for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream")
            if getattr(handler, kind) is not None
        )
        behavior = getattr(handler, kind)
        decode: Callable[[Any], Any] = handler.request_deserializer or (lambda raw: raw)
        plain = not (inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior))
        request: Any
        if handler.request_streaming:
            request = (
                _sync_requests(context, decode, self.loop) if plain else _requests(context, decode)
            )
        else:
            raw = await context.read()
            if raw is grpc.aio.EOF:
                raise refusal(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "MALFORMED_REQUEST",
                    f"the call to {self.path} ended without its request message",
                )
            request = decode(raw)
        if plain:
            await self._run_plain(behavior, request, context, handler.response_streaming)
            return
        result = behavior(request, context)
        if inspect.isasyncgen(result):
            async for response in result:
                await context.write(response)
            return
        response = await result
        if not handler.response_streaming and response is not None:
            await context.write(response)

    async def _run_plain(
        self, behavior: Callable[..., Any], request: Any, context: WebContext, streaming: bool
    ) -> None:
        """A plain handler on the worker threads, as the interceptor runs one for grpc."""

        async def given(_: Any) -> Any:
            return request

        executor = self.gateway.executor
        if streaming:
            async for response in _read_then_run_stream(given, behavior, executor)(None, context):
                await context.write(response)
            return
        response = await _read_then_run(given, behavior, executor)(None, context)
        if response is not None:
            await context.write(response)

    async def _watch_disconnect(self, task: asyncio.Task[Any]) -> None:
        """Cancel a stream whose client went away (a closed Watch), once its request is read."""
        await self._body_done.wait()
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                task.cancel()
                return

    # --- the request ---

    async def read(self) -> Any:
        """The next request message (raw bytes), or grpc.aio.EOF."""
        if self.protocol is Protocol.CONNECT_UNARY:
            if self._unary_read:
                return grpc.aio.EOF
            ended = self._body_ended
            while not ended:
                chunk, ended = await self._chunk()
                if len(self._unary_body) + len(chunk) > self.gateway.max_message_bytes:
                    raise too_large(
                        len(self._unary_body) + len(chunk), self.gateway.max_message_bytes
                    )
                self._unary_body += chunk
            self._unary_read = True
            return bytes(self._unary_body)
        ended = self._body_ended
        while not self._messages and not ended:
            chunk, ended = await self._chunk()
            if self._text is not None:
                chunk = self._text.feed(chunk)
                if ended:
                    self._text.finish()
            for flags, payload in self._deframer.feed(chunk):
                if flags & COMPRESSED:
                    raise refusal(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        "COMPRESSED_MESSAGE",
                        "compressed request messages are not accepted: send them uncompressed",
                    )
                if flags:
                    raise refusal(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        "MALFORMED_ENVELOPE",
                        f"a request message envelope has the unknown flags {flags:#04x}",
                    )
                self._messages.append(payload)
            if ended:
                self._deframer.finish()
        if self._messages:
            return self._messages.popleft()
        return grpc.aio.EOF

    async def _chunk(self) -> tuple[bytes, bool]:
        """The next piece of the body, and whether it is the last."""
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.disconnected = True
            self._body_ended = True
            self._body_done.set()
            raise refusal(grpc.StatusCode.CANCELLED, "CANCELLED", "the client went away")
        if not message.get("more_body", False):
            self._body_ended = True
            self._body_done.set()
        body: bytes = message.get("body", b"")
        return body, self._body_ended

    # --- the answer ---

    def encode(self, message: Any) -> bytes:
        if self.json:
            return json.dumps(json_format.MessageToDict(message), separators=(",", ":")).encode()
        if self._serializer is not None:
            return bytes(self._serializer(message))
        return bytes(message.SerializeToString())

    def _content_type(self) -> bytes:
        codec = "json" if self.json else "proto"
        return {
            Protocol.CONNECT_UNARY: f"application/{codec}",
            Protocol.CONNECT_STREAM: f"application/connect+{codec}",
            Protocol.GRPC_WEB: "application/grpc-web+proto",
            Protocol.GRPC_WEB_TEXT: "application/grpc-web-text+proto",
        }[self.protocol].encode()

    def _headers(self, metadata: Sequence[tuple[str, Any]], prefix: str = "") -> Headers:
        return [
            ((prefix + key).encode("latin-1"), value.encode("latin-1", "replace"))
            for key, value in webproto.header_pairs(metadata)
        ]

    async def write(self, message: Any) -> None:
        payload = self.encode(message)
        if self.protocol is Protocol.CONNECT_UNARY:
            self.response = payload
            return
        await self._start()
        await self._body(envelope(0, payload))

    async def _start(self) -> None:
        if self.started:
            return
        self.started = True
        await self.send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", self._content_type()),
                    *self._headers(self.initial_metadata),
                    *self.cors,
                ],
            }
        )

    async def _body(self, frame: bytes, more: bool = True) -> None:
        if self.protocol is Protocol.GRPC_WEB_TEXT:
            frame = base64.b64encode(frame)
        await self.send({"type": "http.response.body", "body": frame, "more_body": more})

    async def _finish(self, outcome: Outcome) -> None:
        if self.protocol is Protocol.CONNECT_UNARY:
            await self._finish_unary(outcome)
            return
        await self._start()
        if self.protocol is Protocol.CONNECT_STREAM:
            await self._body(envelope(END_STREAM, webproto.connect_end_stream(outcome)), False)
        else:
            await self._body(envelope(TRAILERS, webproto.grpc_web_trailers(outcome)), False)

    async def _finish_unary(self, outcome: Outcome) -> None:
        headers = [*self._headers(self.initial_metadata)]
        headers += self._headers(outcome.plain_trailers(), "trailer-")
        if outcome.ok:
            status = 200
            content_type = self._content_type()
            body = self.response if self.response is not None else (b"{}" if self.json else b"")
        else:
            status = webproto.CONNECT_CODES.get(outcome.code, ("unknown", 500))[1]
            if self.route is None:
                status = 404
            content_type = b"application/json"
            body = json.dumps(webproto.connect_error(outcome), separators=(",", ":")).encode()
        await self.send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                    *self.cors,
                ],
            }
        )
        await self.send({"type": "http.response.body", "body": body})


async def _requests(context: WebContext, decode: Callable[[Any], Any]) -> AsyncIterator[Any]:
    while (raw := await context.read()) is not grpc.aio.EOF:
        yield decode(raw)


def _sync_requests(
    context: WebContext, decode: Callable[[Any], Any], loop: asyncio.AbstractEventLoop
) -> Iterator[Any]:
    """The request stream as a plain handler iterates it from a worker thread."""
    while True:
        raw = asyncio.run_coroutine_threadsafe(context.read(), loop).result()
        if raw is grpc.aio.EOF:
            return
        yield decode(raw)


class WebContext:
    """What a handler's grpc.aio.ServicerContext does, for a call over HTTP."""

    def __init__(self, call: _HttpCall) -> None:
        self._call = call

    def invocation_metadata(self) -> Metadata:
        return self._call.metadata

    def peer(self) -> str:
        return self._call.peer

    def time_remaining(self) -> float | None:
        if self._call.deadline is None:
            return None
        return max(0.0, self._call.deadline - self._call.loop.time())

    async def read(self) -> Any:
        return await self._call.read()

    async def write(self, message: Any) -> None:
        await self._call.write(message)

    async def send_initial_metadata(self, initial_metadata: Sequence[tuple[str, Any]]) -> None:
        if self._call.started:
            raise RuntimeError("the initial metadata has already been sent")
        self._call.initial_metadata = tuple(initial_metadata)

    def set_trailing_metadata(self, trailing_metadata: Sequence[tuple[str, Any]]) -> None:
        self._call.trailers = tuple(trailing_metadata)

    def trailing_metadata(self) -> Metadata:
        return self._call.trailers

    async def abort(
        self,
        code: grpc.StatusCode,
        details: str = "",
        trailing_metadata: Sequence[tuple[str, Any]] = (),
    ) -> NoReturn:
        self._call.code = code
        self._call.details = details
        if trailing_metadata:
            self._call.trailers = tuple(trailing_metadata)
        raise grpc.aio.AbortError()

    async def abort_with_status(self, status: grpc.Status) -> NoReturn:
        await self.abort(status.code, status.details, status.trailing_metadata)

    def set_code(self, code: grpc.StatusCode) -> None:
        self._call.code = code

    def code(self) -> grpc.StatusCode | None:
        return self._call.code

    def set_details(self, details: str) -> None:
        self._call.details = details

    def details(self) -> str:
        return self._call.details

    def cancelled(self) -> bool:
        return self._call.disconnected

    def done(self) -> bool:
        return self._call.done

    def add_done_callback(self, callback: Callable[[Any], object]) -> None:
        self._call.callbacks.append(lambda: callback(self))

    def set_compression(self, compression: grpc.Compression) -> None:
        """Responses are sent uncompressed."""

    def disable_next_message_compression(self) -> None:
        """Responses are sent uncompressed."""

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    def peer_identities(self) -> None:
        return None

    def peer_identity_key(self) -> None:
        return None


class HttpListener:
    """uvicorn serving a :class:`Gateway` on the running event loop."""

    def __init__(
        self,
        gateway: Gateway,
        address: str,
        grace: float,
        max_header_bytes: int,
        max_connections: int,
    ) -> None:
        import uvicorn

        self.address = address
        self._sock = _bind(address)
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            gateway,
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            # The host decides which proxies to believe (trusted_proxies),
            # on both ports alike; uvicorn would believe any loopback peer.
            proxy_headers=False,
            # Headers beyond this are refused by h11 with a bare 400; those
            # between max_metadata_bytes and this get the host's
            # RESOURCE_EXHAUSTED, as on the gRPC port.
            h11_max_incomplete_event_size=max_header_bytes,
            # uvicorn answers 503 once as many connections as this are open,
            # counting the one asking: so one more.
            limit_concurrency=max_connections + 1,
            timeout_graceful_shutdown=max(1, round(grace)),
        )
        config.load()
        self._server = uvicorn.Server(config)
        self._ticking: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # What Server.serve does before startup, without its signal handlers
        # (the host has its own) and its event loop of its own.
        self._server.lifespan = self._server.config.lifespan_class(self._server.config)
        await self._server.startup(sockets=[self._sock])
        # The loop that keeps the Date header fresh and notices should_exit.
        self._ticking = asyncio.create_task(self._server.main_loop())

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._ticking is not None:
            await self._ticking
            self._ticking = None
            await self._server.shutdown()
        self._sock.close()


def _bind(address: str) -> socket.socket:
    """A listening-ready socket on ``address`` (``host:port``, ``[v6]:port``, ``:port``)."""
    from crm_host._server.metrics import parse_address

    host, port = parse_address(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            # As grpc binds [::]: both IPv6 and IPv4.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
