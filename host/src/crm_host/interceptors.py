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
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio

from crm_host import database, logs
from crm_host.auth import Gatekeeper, Principal, acting_as
from crm_host.errors import HOST_DOMAIN, INTERNAL, ServiceError

if TYPE_CHECKING:
    # Only for types: the host runs without prometheus_client when no Metrics is given.
    from crm_host.metrics import CallLabels, Metrics

log = logging.getLogger("crm_host.rpc")

INTERNAL_STATUS = INTERNAL.to_status()

Behavior = Callable[..., Any]
Metadata = Sequence[tuple[str, Any]]


class HostInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Admits or refuses each call, then logs method, code and duration; never the payload.

    Every call gets a request id: the caller's ``x-request-id`` when it is
    acceptable (see :func:`crm_host.logs.valid_request_id`), else a new one. It
    is bound for the whole call (:func:`crm_host.logs.request_id`, and every
    log line of the call) and returned in the ``x-request-id`` trailer.

    The :class:`~crm_host.auth.Gatekeeper` resolves the caller once per call;
    handlers read it with :func:`crm_host.auth.principal`. A
    :class:`~crm_host.errors.ServiceError` (including a refusal) is answered
    with its status and rich details. Any other exception that is not a
    deliberate abort is logged with its traceback and answered with INTERNAL
    and fixed details, so no exception text, SQL or path reaches the client.

    With ``metrics``, each call is counted and timed there.
    """

    def __init__(
        self,
        gatekeeper: Gatekeeper,
        metrics: Metrics | None = None,
        default_deadline: float | None = None,
    ) -> None:
        self._gatekeeper = gatekeeper
        self._metrics = metrics
        self._default_deadline = default_deadline

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method
        metadata = handler_call_details.invocation_metadata
        admission = _Admission(
            method=method,
            request_id=logs.request_id_from(metadata),
            default_deadline=self._default_deadline,
            request_streaming=handler.request_streaming,
        )
        if self._metrics is not None:
            admission.metrics = self._metrics
            admission.labels = self._metrics.labels(
                method, handler.request_streaming, handler.response_streaming
            )
        # Authenticators may log; their lines belong to this call too.
        with logs.bound_request_id(admission.request_id):
            try:
                admission.caller = await self._gatekeeper.admit(method, metadata)
            except ServiceError as refusal:
                admission.refusal = refusal
        for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            behavior = getattr(handler, kind)
            if behavior is not None:
                # Requests are decoded inside the wrapper: grpc's own decoding
                # failure answers UNKNOWN with the parser's exception text.
                decode = _decoder(handler.request_deserializer, admission)
                if not handler.request_streaming:
                    wrapped = _wrap(behavior, admission, decode)
                elif inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior):
                    wrapped = _wrap(behavior, admission, _async_stream_decoder(decode))
                else:
                    wrapped = _wrap(behavior, admission, _stream_decoder(decode))
                return handler._replace(**{kind: wrapped, "request_deserializer": None})
        return handler


@dataclass
class _Admission:
    """What the interceptor learnt about a call before its handler runs."""

    method: str
    request_id: str
    caller: Principal | None = None
    refusal: ServiceError | None = None
    metrics: Metrics | None = None
    labels: CallLabels | None = None
    # Seconds an async unary handler may run when the client set no deadline.
    default_deadline: float | None = None
    request_streaming: bool = False

    def received(self) -> None:
        if self.metrics is not None and self.labels is not None:
            self.metrics.message_received(self.labels)

    def sent(self) -> None:
        if self.metrics is not None and self.labels is not None:
            self.metrics.message_sent(self.labels)


class _Call:
    """Tracks one call from start to its log line and metrics."""

    def __init__(self, admission: _Admission, context: _ContextProxy) -> None:
        self.admission = admission
        self.context = context
        self.started = time.perf_counter()
        self.code: grpc.StatusCode | None = None
        if admission.metrics is not None and admission.labels is not None:
            admission.metrics.call_started(admission.labels)

    def failed(self, exc: BaseException) -> grpc.Status | None:
        """Record how ``exc`` ends the call; return the status to answer with, if any."""
        if isinstance(exc, ServiceError):
            self.code = exc.code
            return exc.to_status()
        if isinstance(exc, grpc.aio.AbortError):
            return None
        if isinstance(exc, asyncio.CancelledError | GeneratorExit):
            # The client went away (or the server is stopping): nothing to answer.
            self.code = grpc.StatusCode.CANCELLED
            return None
        if (outage := database.unavailable(exc)) is not None:
            self.code = outage.code
            return outage.to_status()
        self.code = grpc.StatusCode.INTERNAL
        log.error("rpc %s raised an unexpected exception", self.admission.method, exc_info=exc)
        return INTERNAL_STATUS

    def finish(self) -> None:
        code = self.code or self.context.code() or grpc.StatusCode.OK
        elapsed = time.perf_counter() - self.started
        admission = self.admission
        log.info(
            "rpc %s %s %.1fms",
            admission.method,
            code.name,
            elapsed * 1000,
            # Also as fields, so JSON logs can be queried without parsing the message.
            extra={
                "request_id": admission.request_id,
                "grpc_method": admission.method,
                "grpc_code": code.name,
                "duration_ms": round(elapsed * 1000, 3),
            },
        )
        if admission.metrics is not None and admission.labels is not None:
            admission.metrics.call_handled(admission.labels, code, elapsed)


@contextlib.asynccontextmanager
async def _observed(
    admission: _Admission, context: _AsyncContext, *, bounded: bool = False
) -> AsyncIterator[None]:
    """Run the handler's body; ``bounded`` applies the default deadline to it."""
    limit = admission.default_deadline
    deadline = asyncio.timeout(limit if bounded and context.time_remaining() is None else None)
    with logs.bound_request_id(admission.request_id):
        call = _Call(admission, context)
        try:
            context.set_trailing_metadata(())
            if admission.refusal is not None:
                raise admission.refusal
            with acting_as(admission.caller):
                async with deadline:
                    yield
        except BaseException as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                exc = ServiceError(
                    code=grpc.StatusCode.DEADLINE_EXCEEDED,
                    message=f"the call ran past the server's default deadline of {limit}s; "
                    "set a deadline to choose another",
                    reason="DEFAULT_DEADLINE_EXCEEDED",
                    domain=HOST_DOMAIN,
                    metadata={"deadlineSeconds": str(limit)},
                )
            status = call.failed(exc)
            if status is not None:
                await context.abort(status.code, status.details, status.trailing_metadata)
            raise
        finally:
            call.finish()


@contextlib.contextmanager
def _observed_sync(admission: _Admission, context: _SyncContext) -> Iterator[None]:
    # Plain handlers run on worker threads, each with a context of its own.
    with logs.bound_request_id(admission.request_id):
        call = _Call(admission, context)
        try:
            context.set_trailing_metadata(())
            if admission.refusal is not None:
                raise admission.refusal
            with acting_as(admission.caller):
                yield
        except BaseException as exc:
            status = call.failed(exc)
            if status is not None:
                context.abort(status.code, status.details, status.trailing_metadata)
            raise
        finally:
            call.finish()


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
    def decode(raw: Any) -> Any:
        admission.received()
        if deserializer is None:
            return raw
        try:
            return deserializer(raw)
        except Exception:
            raise ServiceError(
                code=grpc.StatusCode.INVALID_ARGUMENT,
                message=f"the request is not a valid message for {admission.method}",
                reason="MALFORMED_REQUEST",
                domain=HOST_DOMAIN,
            ) from None

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


def _wrap(behavior: Behavior, admission: _Admission, decode: Callable[[Any], Any]) -> Behavior:
    if inspect.isasyncgenfunction(behavior):

        async def async_stream(
            request: Any, grpc_context: grpc.aio.ServicerContext
        ) -> AsyncIterator[Any]:
            context = _AsyncContext(grpc_context, admission)
            async with _observed(admission, context):
                async for response in behavior(decode(request), context):
                    yield response
                    admission.sent()

        return async_stream

    if inspect.iscoroutinefunction(behavior):

        async def async_call(request: Any, grpc_context: grpc.aio.ServicerContext) -> Any:
            context = _AsyncContext(grpc_context, admission)
            # Streams are long-lived by design (Watch, uploads): only unary calls
            # are bounded.
            async with _observed(admission, context, bounded=not admission.request_streaming):
                response = await behavior(decode(request), context)
                if response is not None:
                    admission.sent()
                return response

        return async_call

    if inspect.isgeneratorfunction(behavior):

        def sync_stream(request: Any, grpc_context: Any) -> Iterator[Any]:
            context = _SyncContext(grpc_context, admission)
            with _observed_sync(admission, context):
                for response in behavior(decode(request), context):
                    yield response
                    admission.sent()

        return sync_stream

    def sync_call(request: Any, grpc_context: Any) -> Any:
        context = _SyncContext(grpc_context, admission)
        with _observed_sync(admission, context):
            response = behavior(decode(request), context)
            if response is not None:
                admission.sent()
            return response

    return sync_call
