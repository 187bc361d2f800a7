"""Streams plugins: an async and a plain sync servicer of crmtest.v1.StreamService."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc

from crm_host import hookimpl
from crm_host.hookspecs import RegisterService
from testplugins._proto.crmtest.v1 import streams_pb2, streams_pb2_grpc

DESCRIPTOR = streams_pb2.DESCRIPTOR.services_by_name["StreamService"]
# Count pauses this long between messages, so that a deadline can end it.
PAUSE = 0.05


def _reply(number: int) -> streams_pb2.CountReply:
    return streams_pb2.CountReply(number=number, thread=threading.current_thread().name)


class AsyncStreams(streams_pb2_grpc.StreamServiceServicer):  # type: ignore[misc]
    """Count(-1) aborts with INVALID_ARGUMENT after one message."""

    async def Count(
        self, request: streams_pb2.CountRequest, context: Any
    ) -> AsyncIterator[streams_pb2.CountReply]:
        for number in range(1, abs(request.count) + 1):
            yield _reply(number)
            if request.count < 0:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "count must not be negative")
            await asyncio.sleep(PAUSE)

    async def Sum(
        self, requests: AsyncIterator[streams_pb2.CountRequest], context: Any
    ) -> streams_pb2.CountReply:
        return _reply(sum([request.count async for request in requests]))


class SyncStreams(streams_pb2_grpc.StreamServiceServicer):  # type: ignore[misc]
    """As AsyncStreams, with plain handlers (on the host's worker threads)."""

    def Count(
        self, request: streams_pb2.CountRequest, context: Any
    ) -> Iterator[streams_pb2.CountReply]:
        for number in range(1, abs(request.count) + 1):
            yield _reply(number)
            if request.count < 0:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "count must not be negative")
            time.sleep(PAUSE)

    def Sum(
        self, requests: Iterator[streams_pb2.CountRequest], context: Any
    ) -> streams_pb2.CountReply:
        return _reply(sum(request.count for request in requests))


class StreamsPlugin:
    """Registers ``servicer`` as crmtest.v1.StreamService, public."""

    def __init__(self, servicer: Any) -> None:
        self.servicer = servicer

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        register(
            servicer=self.servicer,
            add_to_server=streams_pb2_grpc.add_StreamServiceServicer_to_server,
            descriptor=DESCRIPTOR,
            policies={"Count": "public", "Sum": "public"},
        )
