"""Echo plugins: an async and a plain sync servicer of crmtest.v1.EchoService."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import grpc.aio

from crm_host import hookimpl
from crm_host.auth import principal
from crm_host.hookspecs import RegisterService
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc

DESCRIPTOR = echo_pb2.DESCRIPTOR.services_by_name["EchoService"]


LEAKY_ERROR = "secret detail /etc/passwd SELECT * FROM accounts"


def _reply(message: str) -> echo_pb2.EchoResponse:
    return echo_pb2.EchoResponse(message=message, thread=threading.current_thread().name)


class AsyncEcho(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """Echo("raise") fails with a bug; Echo("abort") fails on purpose.

    Echo("hold") sets ``held`` and answers only once ``release`` is set, to keep
    a call in flight.
    """

    def __init__(self) -> None:
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    async def Echo(self, request: echo_pb2.EchoRequest, context: grpc.aio.ServicerContext) -> Any:
        if request.message == "hold":
            self.held.set()
            await self.release.wait()
        if request.message == "raise":
            raise RuntimeError(LEAKY_ERROR)
        if request.message == "abort":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "aborted on purpose")
        return _reply(request.message)


class EchoPlugin:
    """Registers ``servicer`` as crmtest.v1.EchoService, with ``policy`` for Echo.

    ``policy=None`` declares none (default deny).
    """

    def __init__(self, servicer: Any, policy: str | None = "public") -> None:
        self.servicer = servicer
        self.policy = policy

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        register(
            servicer=self.servicer,
            add_to_server=echo_pb2_grpc.add_EchoServiceServicer_to_server,
            descriptor=DESCRIPTOR,
            policies={"Echo": self.policy} if self.policy else None,
        )


class AsyncEchoPlugin(EchoPlugin):
    def __init__(self) -> None:
        super().__init__(AsyncEcho())


class SyncEcho(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """A plain handler, as in the seed's example: it blocks its thread, not the loop.

    "raise" and "abort" behave as in AsyncEcho.

    ``wait`` makes Echo("wait") block until another call, Echo("release"), gets
    through; that can only happen while the event loop keeps serving.
    """

    def __init__(self) -> None:
        self.released = threading.Event()

    def Echo(self, request: echo_pb2.EchoRequest, context: grpc.ServicerContext) -> Any:
        if request.message == "raise":
            raise RuntimeError(LEAKY_ERROR)
        if request.message == "abort":
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "aborted on purpose")
        if request.message == "wait":
            released = self.released.wait(timeout=20)
            return _reply("released" if released else "timed out")
        if request.message == "release":
            self.released.set()
        return _reply(request.message)


class SyncEchoPlugin(EchoPlugin):
    def __init__(self) -> None:
        super().__init__(SyncEcho())


class WhoAmI(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """Answers with the caller's account id, as the host resolved it."""

    async def Echo(self, request: echo_pb2.EchoRequest, context: grpc.aio.ServicerContext) -> Any:
        caller = principal(context)
        return _reply(caller.account_id if caller else "anonymous")


class WhoAmIPlugin(EchoPlugin):
    """WhoAmI with the given policy for Echo, or none (default deny)."""

    def __init__(self, policy: str | None) -> None:
        super().__init__(WhoAmI(), policy)
