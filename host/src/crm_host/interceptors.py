"""The host's server interceptor: one log line per call, and no leaked exceptions.

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
from typing import Any

import grpc
import grpc.aio

from crm_host.errors import INTERNAL, ServiceError

log = logging.getLogger("crm_host.rpc")

INTERNAL_STATUS = INTERNAL.to_status()

Behavior = Callable[..., Any]


class RpcLogInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Logs method, status code and duration of every call; never the payload.

    A :class:`~crm_host.errors.ServiceError` is answered with its status and rich
    details. Any other exception that is not a deliberate abort is logged with
    its traceback and answered with INTERNAL and fixed details, so no exception
    text, SQL or path reaches the client.
    """

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method
        if handler.unary_unary:
            return handler._replace(unary_unary=_wrap(handler.unary_unary, method))
        if handler.unary_stream:
            return handler._replace(unary_stream=_wrap(handler.unary_stream, method))
        if handler.stream_unary:
            return handler._replace(stream_unary=_wrap(handler.stream_unary, method))
        return handler._replace(stream_stream=_wrap(handler.stream_stream, method))


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
async def _observed(method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
    call = _Call(method, context)
    try:
        yield
    except BaseException as exc:
        status = call.failed(exc)
        if status is not None:
            await context.abort(status.code, status.details, status.trailing_metadata)
        raise
    finally:
        call.finish()


@contextlib.contextmanager
def _observed_sync(method: str, context: _SyncContext) -> Iterator[None]:
    call = _Call(method, context)
    try:
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


def _wrap(behavior: Behavior, method: str) -> Behavior:
    if inspect.isasyncgenfunction(behavior):

        async def async_stream(
            request: Any, context: grpc.aio.ServicerContext
        ) -> AsyncIterator[Any]:
            async with _observed(method, context):
                async for response in behavior(request, context):
                    yield response

        return async_stream

    if inspect.iscoroutinefunction(behavior):

        async def async_call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with _observed(method, context):
                return await behavior(request, context)

        return async_call

    if inspect.isgeneratorfunction(behavior):

        def sync_stream(request: Any, grpc_context: Any) -> Iterator[Any]:
            context = _SyncContext(grpc_context)
            with _observed_sync(method, context):
                yield from behavior(request, context)

        return sync_stream

    def sync_call(request: Any, grpc_context: Any) -> Any:
        context = _SyncContext(grpc_context)
        with _observed_sync(method, context):
            return behavior(request, context)

    return sync_call
