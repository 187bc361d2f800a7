"""The host's server interceptor: access control, one log line per call, no leaked exceptions.

An aio interceptor only sees the method name; to see how a call ends we wrap
the handler's behaviour, keeping its kind: coroutine functions and async
generators stay async, and plain functions stay plain, so that grpc still runs
them on its worker threads (#28728 shows what breaks when a wrapper changes
the kind).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio

from crm_host.auth import Gatekeeper, Principal, acting_as
from crm_host.errors import HOST_DOMAIN, INTERNAL, ServiceError

log = logging.getLogger("crm_host.rpc")

INTERNAL_STATUS = INTERNAL.to_status()

Behavior = Callable[..., Any]


class HostInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Admits or refuses each call, then logs method, code and duration; never the payload.

    The :class:`~crm_host.auth.Gatekeeper` resolves the caller once per call;
    handlers read it with :func:`crm_host.auth.principal`. A
    :class:`~crm_host.errors.ServiceError` (including a refusal) is answered
    with its status and rich details. Any other exception that is not a
    deliberate abort is logged with its traceback and answered with INTERNAL
    and fixed details, so no exception text, SQL or path reaches the client.
    """

    def __init__(self, gatekeeper: Gatekeeper) -> None:
        self._gatekeeper = gatekeeper

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method
        admission = _Admission()
        try:
            admission.caller = await self._gatekeeper.admit(
                method, handler_call_details.invocation_metadata
            )
        except ServiceError as refusal:
            admission.refusal = refusal
        for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            behavior = getattr(handler, kind)
            if behavior is not None:
                # Requests are decoded inside the wrapper: grpc's own decoding
                # failure answers UNKNOWN with the parser's exception text.
                decode = _decoder(handler.request_deserializer, method)
                if not handler.request_streaming:
                    wrapped = _wrap(behavior, method, admission, decode)
                elif inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior):
                    wrapped = _wrap(behavior, method, admission, _async_stream_decoder(decode))
                else:
                    wrapped = _wrap(behavior, method, admission, _stream_decoder(decode))
                return handler._replace(**{kind: wrapped, "request_deserializer": None})
        return handler


@dataclass
class _Admission:
    caller: Principal | None = None
    refusal: ServiceError | None = None


class _Call:
    """Tracks one call from start to its log line."""

    def __init__(self, method: str, context: Any) -> None:
        self.method = method
        self.context = context
        self.started = time.perf_counter()
        self.code: grpc.StatusCode | None = None

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
        self.code = grpc.StatusCode.INTERNAL
        log.error("rpc %s raised an unexpected exception", self.method, exc_info=exc)
        return INTERNAL_STATUS

    def finish(self) -> None:
        code = self.code or self.context.code() or grpc.StatusCode.OK
        elapsed_ms = (time.perf_counter() - self.started) * 1000
        log.info("rpc %s %s %.1fms", self.method, code.name, elapsed_ms)


@contextlib.asynccontextmanager
async def _observed(
    method: str, context: grpc.aio.ServicerContext, admission: _Admission
) -> AsyncIterator[None]:
    call = _Call(method, context)
    try:
        if admission.refusal is not None:
            raise admission.refusal
        with acting_as(admission.caller):
            yield
    except BaseException as exc:
        status = call.failed(exc)
        if status is not None:
            await context.abort(status.code, status.details, status.trailing_metadata)
        raise
    finally:
        call.finish()


@contextlib.contextmanager
def _observed_sync(method: str, context: _SyncContext, admission: _Admission) -> Iterator[None]:
    call = _Call(method, context)
    try:
        if admission.refusal is not None:
            raise admission.refusal
        # Plain handlers run on worker threads, each with a context of its own.
        with acting_as(admission.caller):
            yield
    except BaseException as exc:
        status = call.failed(exc)
        if status is not None:
            context.abort(status.code, status.details, status.trailing_metadata)
        raise
    finally:
        call.finish()


class _SyncContext:
    """Passes a sync handler's context through, remembering the status code it sets.

    grpc's context for sync handlers on an aio server cannot report its code.
    """

    def __init__(self, context: Any) -> None:
        self._context = context
        self._code: grpc.StatusCode | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code
        self._context.set_code(code)

    def abort(self, code: grpc.StatusCode, details: str = "", trailing_metadata: Any = ()) -> Any:
        self._code = code
        return self._context.abort(code, details, trailing_metadata)


def _decoder(deserializer: Callable[[bytes], Any] | None, method: str) -> Callable[[Any], Any]:
    def decode(raw: Any) -> Any:
        if deserializer is None:
            return raw
        try:
            return deserializer(raw)
        except Exception:
            raise ServiceError(
                code=grpc.StatusCode.INVALID_ARGUMENT,
                message=f"the request is not a valid message for {method}",
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


def _wrap(
    behavior: Behavior, method: str, admission: _Admission, decode: Callable[[Any], Any]
) -> Behavior:
    if inspect.isasyncgenfunction(behavior):

        async def async_stream(
            request: Any, context: grpc.aio.ServicerContext
        ) -> AsyncIterator[Any]:
            async with _observed(method, context, admission):
                async for response in behavior(decode(request), context):
                    yield response

        return async_stream

    if inspect.iscoroutinefunction(behavior):

        async def async_call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with _observed(method, context, admission):
                return await behavior(decode(request), context)

        return async_call

    if inspect.isgeneratorfunction(behavior):

        def sync_stream(request: Any, grpc_context: Any) -> Iterator[Any]:
            context = _SyncContext(grpc_context)
            with _observed_sync(method, context, admission):
                yield from behavior(decode(request), context)

        return sync_stream

    def sync_call(request: Any, grpc_context: Any) -> Any:
        context = _SyncContext(grpc_context)
        with _observed_sync(method, context, admission):
            return behavior(decode(request), context)

    return sync_call
