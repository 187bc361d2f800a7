"""Streams over the HTTP listener, from async and plain (sync) handlers alike.

Server streams over Connect streaming and gRPC-Web, with an abort after the
first message and the client's deadline ending a long stream; a client
stream (its messages in one request body) over both.
"""

from __future__ import annotations

import json
import struct

import httpx
import pytest

from crm_host.testing import StartHost, TestHost
from testplugins._proto.crmtest.v1 import streams_pb2
from testplugins.streams import AsyncStreams, StreamsPlugin, SyncStreams

COUNT = "/crmtest.v1.StreamService/Count"
SUM = "/crmtest.v1.StreamService/Sum"

pytestmark = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


def envelope(payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(payload)) + payload


def split(body: bytes) -> list[tuple[int, bytes]]:
    frames = []
    while body:
        flags, length = struct.unpack(">BI", body[:5])
        frames.append((flags, body[5 : 5 + length]))
        body = body[5 + length :]
    return frames


def request(count: int) -> bytes:
    return streams_pb2.CountRequest(count=count).SerializeToString()


@pytest.fixture(params=[AsyncStreams, SyncStreams])
async def streams_host(crm_host: StartHost, request: pytest.FixtureRequest) -> TestHost:
    return await crm_host((StreamsPlugin(request.param()), "streams"), http_listen="127.0.0.1:0")


async def test_a_server_stream_over_connect_ends_with_its_end_of_stream(
    streams_host: TestHost,
) -> None:
    async with httpx.AsyncClient(base_url=streams_host.http_url) as client:
        reply = await client.post(
            COUNT,
            content=envelope(b'{"count": 3}'),
            headers={"content-type": "application/connect+json"},
        )
    frames = split(reply.content)
    assert [json.loads(p)["number"] for f, p in frames if f == 0] == [1, 2, 3]
    flags, end = frames[-1]
    assert flags == 0x02
    assert "error" not in json.loads(end)
    assert "x-request-id" in json.loads(end)["metadata"]


async def test_a_server_stream_over_grpc_web_and_an_abort_after_a_message(
    streams_host: TestHost,
) -> None:
    async with httpx.AsyncClient(base_url=streams_host.http_url) as client:
        counted = await client.post(
            COUNT,
            content=envelope(request(2)),
            headers={"content-type": "application/grpc-web+proto"},
        )
        aborted = await client.post(
            COUNT,
            content=envelope(request(-5)),
            headers={"content-type": "application/grpc-web+proto"},
        )
    frames = split(counted.content)
    numbers = [streams_pb2.CountReply.FromString(p).number for f, p in frames if f == 0]
    assert numbers == [1, 2]
    assert frames[-1][1].startswith(b"grpc-status: 0\r\n")
    frames = split(aborted.content)
    assert [f for f, _ in frames] == [0, 0x80]
    assert b"grpc-status: 3\r\ngrpc-message: count must not be negative\r\n" in frames[-1][1]


async def test_the_client_deadline_ends_a_long_stream(streams_host: TestHost) -> None:
    async with httpx.AsyncClient(base_url=streams_host.http_url) as client:
        reply = await client.post(
            COUNT,
            content=envelope(b'{"count": 1000}'),
            headers={"content-type": "application/connect+json", "connect-timeout-ms": "300"},
        )
    frames = split(reply.content)
    assert 1 <= len(frames) - 1 < 1000
    assert json.loads(frames[-1][1])["error"]["code"] == "deadline_exceeded"


@pytest.mark.parametrize(
    "content_type", ["application/grpc-web+proto", "application/connect+proto"]
)
async def test_a_client_stream_reads_every_message_of_the_body(
    streams_host: TestHost, content_type: str
) -> None:
    body = b"".join(envelope(request(n)) for n in (1, 2, 3, 4))
    async with httpx.AsyncClient(base_url=streams_host.http_url) as client:
        reply = await client.post(SUM, content=body, headers={"content-type": content_type})
    frames = split(reply.content)
    assert streams_pb2.CountReply.FromString(frames[0][1]).number == 10
    assert frames[-1][0] in (0x80, 0x02)
