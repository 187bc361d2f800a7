"""The host's server interceptor: access control, request ids, one log line per call, metrics.

An aio interceptor only sees the method name; to see how a call ends we wrap
the handler's behaviour, keeping its kind: coroutine functions and async
generators stay async, and plain functions stay plain, so that grpc still runs
them on its worker threads (#28728 shows what breaks when a wrapper changes
the kind).

Handlers get the call's context through a thin proxy that keeps the
``x-request-id`` trailer in whatever trailing metadata the handler sets or
aborts with, so the client gets it on every answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio

from crm_host._server import logs, store
from crm_host._server.access import Gatekeeper
from crm_host._server.bounds import FieldBounds
from crm_host._server.proxies import TrustedProxies
from crm_host.auth import Principal, act_as, client_address, stop_acting
from crm_host.errors import HOST_DOMAIN, INTERNAL, ServiceError

if TYPE_CHECKING:
    # Only for types: the host runs without prometheus_client when no Metrics is given.
    from crm_host._server.metrics import MethodMetrics, Metrics

log = logging.getLogger("crm_host.rpc")

INTERNAL_STATUS = INTERNAL.to_status()

Behavior = Callable[..., Any]
Metadata = Sequence[tuple[str, Any]]


@dataclass(frozen=True)
class MethodSpec:
    """What a method's descriptor says: its kind, and the bounds of its request fields.

    Streams are told by the descriptor, not by the handler's Python shape: a
    coroutine that answers with ``context.write`` (grpcio-health's Watch) is
    a stream too.
    """

    client_streaming: bool
    server_streaming: bool
    bounds: FieldBounds | None = None


class HostInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Admits or refuses each call, then logs method, code and duration; never the payload.

    Every call gets a request id: the caller's ``x-request-id`` when it is
    acceptable (see :func:`crm_host._server.logs.valid_request_id`), else a new one. It
    is bound for the whole call (:func:`crm_host._server.logs.request_id`, and every
    log line of the call) and returned in the ``x-request-id`` trailer.

    The :class:`~crm_host.auth.Gatekeeper` resolves the caller once per call;
    handlers read it with :func:`crm_host.auth.principal`. A
    :class:`~crm_host.errors.ServiceError` (including a refusal) is answered
    with its status and rich details, a database outage with UNAVAILABLE
    (:func:`crm_host._server.store.unavailable`). Any other exception that is not
    a deliberate abort is logged with its traceback and answered with
    INTERNAL and fixed details, so no exception text, SQL or path reaches the
    client.

    With ``metrics``, each call is counted and timed there.

    With ``max_metadata_bytes``, a call whose metadata is larger is refused
    with RESOURCE_EXHAUSTED before anything reads it. grpc enforces the same
    limit (the server options) on every header list, but only once the client
    has acknowledged the SETTINGS that announce it: until then grpc's own
    default of 16 MiB applies, and a client that sends its requests at once
    gets them through.

    With ``receive_timeout``, the request of a unary-request method must
    arrive in full within that many seconds of the call's start, or the call
    ends with DEADLINE_EXCEEDED (reason ``REQUEST_NOT_RECEIVED``) and a
    warning. grpc reads such a request before it calls the handler, and
    without any limit: a client that announces a message and never sends all
    of it holds the call until the connection's maximum age. So these methods
    reach grpc as request-stream handlers, which grpc calls at once, and the
    host reads the one request itself; refused calls are answered without
    waiting for it. Plain (sync) handlers still run on ``executor``'s worker
    threads, as grpc would run them.
    """

    def __init__(
        self,
        gatekeeper: Gatekeeper,
        specs: Mapping[str, MethodSpec],
        metrics: Metrics | None = None,
        default_deadline: float | None = None,
        max_metadata_bytes: int | None = None,
        receive_timeout: float | None = None,
        executor: Executor | None = None,
        trusted_proxies: TrustedProxies | None = None,
    ) -> None:
        self._gatekeeper = gatekeeper
        self._proxies = trusted_proxies or None
        self._specs = specs
        self._metrics = metrics
        self._default_deadline = default_deadline
        self._max_metadata_bytes = max_metadata_bytes
        self._receive_timeout = receive_timeout
        self._executor = executor
        # Per method path: what does not change from call to call. Only
        # methods a service handles get here, so it cannot grow without bound.
        self._methods: dict[str, _Method] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method
        shape = self._methods.get(method)
        if shape is None:
            shape = self._methods[method] = _Method.of(
                method,
                handler,
                self._specs.get(method),
                self._metrics,
                self._default_deadline,
                self._receive_timeout,
            )
        metadata = handler_call_details.invocation_metadata
        admission = _Admission(shape, logs.request_id_from(metadata))
        if self._proxies is not None:
            admission.forwarded = (self._proxies, metadata)
        limit = self._max_metadata_bytes
        if limit is not None and (size := metadata_size(metadata)) > limit:
            # Refused before any authenticator reads a token of that size.
            admission.refusal = _metadata_too_large(size, limit)
            return self._wrapped(handler, shape, admission)
        # Authenticators may log; their lines belong to this call too.
        bound = logs.bind_request_id(admission.request_id)
        try:
            admission.caller = await self._gatekeeper.admit(method, metadata)
        except ServiceError as refusal:
            admission.refusal = refusal
        finally:
            logs.unbind_request_id(bound)
        return self._wrapped(handler, shape, admission)

    def _wrapped(
        self, handler: grpc.RpcMethodHandler, shape: _Method, admission: _Admission
    ) -> grpc.RpcMethodHandler:
        decode = _decoder(handler.request_deserializer, admission)
        wrapped = shape.wrap(getattr(handler, shape.kind), admission, decode)
        if shape.receive_timeout is None:
            return handler._replace(**{shape.kind: wrapped, "request_deserializer": None})
        return _reading(handler, shape, admission, wrapped, self._executor)


# What grpc adds to each header's name and value when it sizes a header list
# (RFC 7541's entry overhead).
HEADER_OVERHEAD = 32


def metadata_size(metadata: Metadata | None) -> int:
    """The size of a call's metadata as grpc counts it against max_metadata_bytes."""
    size = 0
    for key, value in metadata or ():
        size += len(key) + HEADER_OVERHEAD
        size += len(value) if isinstance(value, bytes) else len(str(value).encode())
    return size


def _metadata_too_large(size: int, limit: int) -> ServiceError:
    return ServiceError(
        code=grpc.StatusCode.RESOURCE_EXHAUSTED,
        message=f"the request metadata ({size} bytes) is larger than the server's limit "
        f"of {limit} bytes",
        reason="METADATA_TOO_LARGE",
        domain=HOST_DOMAIN,
        metadata={"limitBytes": str(limit)},
    )


@dataclass(frozen=True)
class _Method:
    """What the interceptor needs to know about a method, worked out on its first call."""

    path: str
    # Which of the handler's four behaviours is set.
    kind: str
    wrap: Wrap
    metrics: MethodMetrics | None
    # Seconds an async unary handler may run when the client set no deadline.
    default_deadline: float | None
    bounds: FieldBounds | None
    # Seconds a unary-request method's request may take to arrive; None for
    # request streams, whose messages come when the client has them.
    receive_timeout: float | None

    @classmethod
    def of(
        cls,
        path: str,
        handler: grpc.RpcMethodHandler,
        spec: MethodSpec | None,
        metrics: Metrics | None,
        default_deadline: float | None,
        receive_timeout: float | None = None,
    ) -> _Method:
        kind = next(
            kind
            for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream")
            if getattr(handler, kind) is not None
        )
        behavior = getattr(handler, kind)
        wrap: Wrap
        if inspect.isasyncgenfunction(behavior):
            wrap = _async_stream
        elif inspect.iscoroutinefunction(behavior):
            wrap = _async_call
        elif inspect.isgeneratorfunction(behavior):
            wrap = _sync_stream
        else:
            wrap = _sync_call
        if spec is None:
            spec = MethodSpec(handler.request_streaming, handler.response_streaming)
        if handler.request_streaming:
            # Requests are decoded inside the wrapper: grpc's own decoding
            # failure answers UNKNOWN with the parser's exception text.
            wrap = _streaming(wrap, wrap in (_async_call, _async_stream))
        streaming = spec.client_streaming or spec.server_streaming
        return cls(
            path=path,
            kind=kind,
            wrap=wrap,
            metrics=(
                None
                if metrics is None
                else metrics.for_method(path, spec.client_streaming, spec.server_streaming)
            ),
            # Streams are long-lived by design (Watch, uploads): only unary
            # calls are bounded.
            default_deadline=None if streaming else default_deadline,
            bounds=spec.bounds,
            receive_timeout=None if handler.request_streaming else receive_timeout,
        )


@dataclass
class _Admission:
    """What the interceptor learnt about a call before its handler runs."""

    method: _Method
    request_id: str
    caller: Principal | None = None
    refusal: ServiceError | None = None
    # With trusted proxies: them, and the call's metadata that may name the client.
    forwarded: tuple[TrustedProxies, Metadata | None] | None = None

    def received(self) -> None:
        if self.method.metrics is not None:
            self.method.metrics.message_received()

    def sent(self) -> None:
        if self.method.metrics is not None:
            self.method.metrics.message_sent()


class _Call:
    """Tracks one call from start to its log line and metrics: the handler runs inside it.

    ``async with`` for async handlers, ``with`` for plain ones. A class rather
    than generator-based context managers: this runs on every call, and those
    cost several function calls more each.
    """

    def __init__(self, admission: _Admission, context: _ContextProxy) -> None:
        self.admission = admission
        self.context = context
        self.started = time.perf_counter()
        self.code: grpc.StatusCode | None = None
        self.deadline: asyncio.Timeout | None = None
        self._bound: (
            tuple[contextvars.Token[str | None], contextvars.Token[Principal | None]] | None
        ) = None
        if admission.method.metrics is not None:
            admission.method.metrics.call_started()

    async def __aenter__(self) -> None:
        try:
            self.begin()
        except BaseException as exc:
            # A refused call: no body runs, and __aexit__ would not be called.
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: Any
    ) -> None:
        try:
            if exc is not None and (status := self.failed(exc)) is not None:
                await self.context.abort(status.code, status.details, status.trailing_metadata)
        finally:
            self.finish()

    def __enter__(self) -> None:
        try:
            self.begin()
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: Any
    ) -> None:
        try:
            if exc is not None and (status := self.failed(exc)) is not None:
                self.context.abort(status.code, status.details, status.trailing_metadata)
        finally:
            self.finish()

    def begin(self) -> None:
        """Bind the call's request id and caller; raise the refusal if it was refused."""
        admission = self.admission
        self._bound = (logs.bind_request_id(admission.request_id), act_as(admission.caller))
        self.context.set_trailing_metadata(())
        if admission.refusal is not None:
            raise admission.refusal

    def bounded(
        self, grpc_context: grpc.aio.ServicerContext
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        """The method's default deadline, unless the client chose one."""
        limit = self.admission.method.default_deadline
        if limit is None or grpc_context.time_remaining() is not None:
            return _UNBOUNDED
        self.deadline = asyncio.timeout(limit)
        return self.deadline

    def failed(self, exc: BaseException) -> grpc.Status | None:
        """Record how ``exc`` ends the call; return the status to answer with, if any."""
        if isinstance(exc, TimeoutError) and self.deadline is not None and self.deadline.expired():
            limit = self.admission.method.default_deadline
            exc = ServiceError(
                code=grpc.StatusCode.DEADLINE_EXCEEDED,
                message=f"the call ran past the server's default deadline of {limit}s; "
                "set a deadline to choose another",
                reason="DEFAULT_DEADLINE_EXCEEDED",
                domain=HOST_DOMAIN,
                metadata={"deadlineSeconds": str(limit)},
            )
        if isinstance(exc, NotImplementedError):
            # What generated servicer base classes raise for a method the
            # servicer leaves out (grpcio-health-checking's Health/List, for one).
            exc = ServiceError(
                code=grpc.StatusCode.UNIMPLEMENTED,
                message=f"{self.admission.method.path} is not implemented by this server",
                reason="UNIMPLEMENTED",
                domain=HOST_DOMAIN,
            )
        if isinstance(exc, ServiceError):
            self.code = exc.code
            return exc.to_status()
        if isinstance(exc, grpc.aio.AbortError):
            return None
        if isinstance(exc, asyncio.CancelledError | GeneratorExit):
            # The client went away (or the server is stopping): nothing to answer.
            self.code = grpc.StatusCode.CANCELLED
            return None
        if (outage := store.unavailable(exc)) is not None:
            self.code = outage.code
            return outage.to_status()
        self.code = grpc.StatusCode.INTERNAL
        log.error("rpc %s raised an unexpected exception", self.admission.method.path, exc_info=exc)
        return INTERNAL_STATUS

    def finish(self) -> None:
        code = self.code or self.context.code() or grpc.StatusCode.OK
        elapsed = time.perf_counter() - self.started
        admission = self.admission
        method = admission.method
        log.info(
            "rpc %s %s %.1fms",
            method.path,
            code.name,
            elapsed * 1000,
            # Also as fields, so JSON logs can be queried without parsing the message.
            extra={
                # Also on the record itself: a stream abandoned by its client
                # is finished by the garbage collector, outside the call.
                "request_id": admission.request_id,
                "grpc_method": method.path,
                "grpc_code": code.name,
                "duration_ms": round(elapsed * 1000, 3),
            },
        )
        if method.metrics is not None:
            method.metrics.call_handled(code, elapsed)
        if self._bound is not None:
            request_id, caller = self._bound
            # An async generator its client abandoned is closed later by the
            # garbage collector, in a context other than the call's: there
            # the values bound by begin() are not in force, nothing to undo.
            with contextlib.suppress(ValueError):
                stop_acting(caller)
                logs.unbind_request_id(request_id)


_UNBOUNDED = contextlib.nullcontext()


class _ContextProxy:
    """Passes a handler's context through, adding ``x-request-id`` to its trailers."""

    def __init__(self, context: Any, admission: _Admission) -> None:
        self._context = context
        self._admission = admission
        self._trailers: tuple[tuple[str, Any], ...] = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def code(self) -> grpc.StatusCode | None:
        code: grpc.StatusCode | None = self._context.code()
        return code

    def peer(self) -> str:
        """The client's address; behind a trusted proxy, the one it names."""
        peer: str = self._context.peer()
        forwarded = self._admission.forwarded
        if forwarded is None:
            return peer
        proxies, metadata = forwarded
        return proxies.client_peer(peer, metadata)

    def _with_request_id(self, metadata: Metadata | None) -> tuple[tuple[str, Any], ...]:
        merged = tuple(metadata or ())
        if not any(key == logs.REQUEST_ID_KEY for key, _ in merged):
            merged += ((logs.REQUEST_ID_KEY, self._admission.request_id),)
        return merged

    def set_trailing_metadata(self, trailing_metadata: Metadata) -> None:
        self._trailers = self._with_request_id(trailing_metadata)
        self._context.set_trailing_metadata(self._trailers)

    def _abort_trailers(self, trailing_metadata: Metadata | None) -> tuple[tuple[str, Any], ...]:
        # grpc keeps the trailers set before when abort gets none; so do we.
        if not trailing_metadata:
            return self._trailers or self._with_request_id(())
        return self._with_request_id(trailing_metadata)


class _AsyncContext(_ContextProxy):
    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Metadata = ()
    ) -> Any:
        return await self._context.abort(code, details, self._abort_trailers(trailing_metadata))

    async def abort_with_status(self, status: grpc.Status) -> Any:
        return await self.abort(status.code, status.details, status.trailing_metadata)

    async def write(self, message: Any) -> None:
        await self._context.write(message)
        self._admission.sent()


class _SyncContext(_ContextProxy):
    """Also remembers the status code: grpc's context for sync handlers cannot report it."""

    def __init__(self, context: Any, admission: _Admission) -> None:
        super().__init__(context, admission)
        self._code: grpc.StatusCode | None = None

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code
        self._context.set_code(code)

    def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Metadata = ()
    ) -> Any:
        self._code = code
        return self._context.abort(code, details, self._abort_trailers(trailing_metadata))

    def abort_with_status(self, status: grpc.Status) -> Any:
        return self.abort(status.code, status.details, status.trailing_metadata)


def _decoder(
    deserializer: Callable[[bytes], Any] | None, admission: _Admission
) -> Callable[[Any], Any]:
    bounds = admission.method.bounds

    def decode(raw: Any) -> Any:
        admission.received()
        if deserializer is None:
            return raw
        try:
            message = deserializer(raw)
        except Exception:
            raise ServiceError(
                code=grpc.StatusCode.INVALID_ARGUMENT,
                message=f"the request is not a valid message for {admission.method.path}",
                reason="MALFORMED_REQUEST",
                domain=HOST_DOMAIN,
            ) from None
        if bounds is not None:
            bounds.check(len(raw), message)
        return message

    return decode


def _async_stream_decoder(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    async def messages(raw: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in raw:
            yield decode(item)

    return messages


def _stream_decoder(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def messages(raw: Iterator[Any]) -> Iterator[Any]:
        for item in raw:
            yield decode(item)

    return messages


Wrap = Callable[[Behavior, _Admission, Callable[[Any], Any]], Behavior]


def _async_call(
    behavior: Behavior, admission: _Admission, decode: Callable[[Any], Any]
) -> Behavior:
    async def async_call(request: Any, grpc_context: grpc.aio.ServicerContext) -> Any:
        context = _AsyncContext(grpc_context, admission)
        call = _Call(admission, context)
        async with call, call.bounded(grpc_context):
            response = await behavior(decode(request), context)
        if response is not None:
            admission.sent()
        return response

    return async_call


def _async_stream(
    behavior: Behavior, admission: _Admission, decode: Callable[[Any], Any]
) -> Behavior:
    async def async_stream(
        request: Any, grpc_context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        context = _AsyncContext(grpc_context, admission)
        # Streams are long-lived by design (Watch, downloads): no default deadline.
        async with _Call(admission, context):
            async for response in behavior(decode(request), context):
                yield response
                admission.sent()

    return async_stream


def _sync_call(behavior: Behavior, admission: _Admission, decode: Callable[[Any], Any]) -> Behavior:
    # Plain handlers run on worker threads, each with a context of its own.
    def sync_call(request: Any, grpc_context: Any) -> Any:
        context = _SyncContext(grpc_context, admission)
        with _Call(admission, context):
            response = behavior(decode(request), context)
        if response is not None:
            admission.sent()
        return response

    return sync_call


def _sync_stream(
    behavior: Behavior, admission: _Admission, decode: Callable[[Any], Any]
) -> Behavior:
    def sync_stream(request: Any, grpc_context: Any) -> Iterator[Any]:
        context = _SyncContext(grpc_context, admission)
        with _Call(admission, context):
            for response in behavior(decode(request), context):
                yield response
                admission.sent()

    return sync_stream


def _streaming(wrap: Wrap, is_async: bool) -> Wrap:
    """``wrap`` for a handler that takes a stream of requests, decoding each."""
    stream_decoder = _async_stream_decoder if is_async else _stream_decoder

    def wrap_streaming(
        behavior: Behavior, admission: _Admission, decode: Callable[[Any], Any]
    ) -> Behavior:
        return wrap(behavior, admission, stream_decoder(decode))

    return wrap_streaming


def _reading(
    handler: grpc.RpcMethodHandler,
    shape: _Method,
    admission: _Admission,
    wrapped: Behavior,
    executor: Executor | None,
) -> grpc.RpcMethodHandler:
    """A unary-request method's ``wrapped`` behaviour, as a request-stream handler.

    grpc calls it at once; it reads the one request within the method's
    receive timeout (see :class:`HostInterceptor`), then runs ``wrapped`` as
    grpc would have: on the event loop, or on a worker thread when plain.
    """
    receive = _receiver(shape, admission)
    plain = shape.wrap in (_sync_call, _sync_stream)
    behavior: Behavior
    if not handler.response_streaming:
        behavior = (
            _read_then_run(receive, wrapped, executor)
            if plain
            else _read_then_await(receive, wrapped)
        )
        kind = "stream_unary"
    else:
        if plain:
            behavior = _read_then_run_stream(receive, wrapped, executor)
        elif shape.wrap is _async_stream:
            behavior = _read_then_stream(receive, wrapped)
        else:
            # A coroutine that answers with context.write.
            behavior = _read_then_await(receive, wrapped)
        kind = "stream_stream"
    return handler._replace(
        request_streaming=True,
        request_deserializer=None,
        **{shape.kind: None, kind: behavior},
    )


Receive = Callable[[Any], Awaitable[Any]]


def _receiver(shape: _Method, admission: _Admission) -> Receive:
    limit = shape.receive_timeout

    async def receive(grpc_context: Any) -> Any:
        """The raw request, or None when the call is refused (``admission.refusal``)."""
        if admission.refusal is not None:
            # Refused already: answered without waiting for a request nobody reads.
            return None
        try:
            async with asyncio.timeout(limit):
                request = await grpc_context.read()
        except TimeoutError:
            log.warning(
                "rpc %s from %s: the request did not arrive within %ss; "
                "answering DEADLINE_EXCEEDED",
                shape.path,
                client_address(grpc_context),
                limit,
                extra={"request_id": admission.request_id, "grpc_method": shape.path},
            )
            admission.refusal = ServiceError(
                code=grpc.StatusCode.DEADLINE_EXCEEDED,
                message=f"the request did not arrive within the server's limit of {limit}s",
                reason="REQUEST_NOT_RECEIVED",
                domain=HOST_DOMAIN,
                metadata={"timeoutSeconds": str(limit)},
            )
            return None
        if request is grpc.aio.EOF:
            # Also what a read returns when grpc itself failed the call (a
            # message it could not decompress, say); then its cancellation of
            # this task is already on the way: let it come first.
            await asyncio.sleep(0)
            admission.refusal = ServiceError(
                code=grpc.StatusCode.INVALID_ARGUMENT,
                message=f"the call to {shape.path} ended without its request message",
                reason="MALFORMED_REQUEST",
                domain=HOST_DOMAIN,
            )
            return None
        return request

    return receive


def _read_then_await(receive: Receive, wrapped: Behavior) -> Behavior:
    async def read_then_await(requests: Any, grpc_context: Any) -> Any:
        return await wrapped(await receive(grpc_context), grpc_context)

    return read_then_await


def _read_then_stream(receive: Receive, wrapped: Behavior) -> Behavior:
    async def read_then_stream(requests: Any, grpc_context: Any) -> AsyncIterator[Any]:
        async for response in wrapped(await receive(grpc_context), grpc_context):
            yield response

    return read_then_stream


def _read_then_run(receive: Receive, wrapped: Behavior, executor: Executor | None) -> Behavior:
    async def read_then_run(requests: Any, grpc_context: Any) -> Any:
        request = await receive(grpc_context)
        loop = asyncio.get_running_loop()
        context = _ThreadContext(grpc_context, loop)
        response = await loop.run_in_executor(executor, wrapped, request, context)
        context.run_callbacks()
        return response

    return read_then_run


_DONE = object()


def _next(responses: Iterator[Any]) -> Any:
    return next(responses, _DONE)


def _read_then_run_stream(
    receive: Receive, wrapped: Behavior, executor: Executor | None
) -> Behavior:
    async def read_then_run_stream(requests: Any, grpc_context: Any) -> AsyncIterator[Any]:
        request = await receive(grpc_context)
        loop = asyncio.get_running_loop()
        context = _ThreadContext(grpc_context, loop)
        # Each step may run on another worker thread; one Context keeps the
        # values the call binds (its request id, its caller) from step to step.
        steps = contextvars.Context()
        responses: Iterator[Any] = await loop.run_in_executor(
            executor, steps.run, wrapped, request, context
        )
        step: asyncio.Future[Any] | None = None
        finished = False
        try:
            while True:
                step = loop.run_in_executor(executor, steps.run, _next, responses)
                # Shielded: cancelling this task must not mark a step done
                # while its thread still runs it.
                response = await asyncio.shield(step)
                if response is _DONE:
                    finished = True
                    break
                yield response
        finally:
            if not finished:
                # The client went away, the server is stopping, or the
                # generator raised: close it (its handler sees GeneratorExit)
                # on a worker thread, once no step of it is running.
                def close(_: object = None) -> None:
                    closer = getattr(responses, "close", None)
                    if callable(closer):
                        # Past the server's stop the executor takes no more work.
                        with contextlib.suppress(RuntimeError):
                            loop.run_in_executor(executor, steps.run, closer)

                if step is not None and not step.done():
                    step.add_done_callback(close)
                else:
                    close()
        context.run_callbacks()

    return read_then_run_stream


class _ThreadContext:
    """An aio servicer context, as a plain handler uses it from a worker thread.

    What grpc gives its own plain handlers on an aio server: the context's
    coroutines (abort, send_initial_metadata) run on the event loop while the
    thread waits for them, so abort raises grpc's AbortError in the thread.
    """

    def __init__(self, context: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._context = context
        self._loop = loop
        self._callbacks: list[Callable[[], Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Metadata = ()
    ) -> None:
        asyncio.run_coroutine_threadsafe(
            self._context.abort(code, details, tuple(trailing_metadata)), self._loop
        ).result()

    def abort_with_status(self, status: grpc.Status) -> None:
        self.abort(status.code, status.details, status.trailing_metadata)

    def send_initial_metadata(self, metadata: Metadata) -> None:
        asyncio.run_coroutine_threadsafe(
            self._context.send_initial_metadata(tuple(metadata)), self._loop
        ).result()

    def add_callback(self, callback: Callable[[], Any]) -> bool:
        self._callbacks.append(callback)
        return True

    def run_callbacks(self) -> None:
        for callback in self._callbacks:
            callback()
