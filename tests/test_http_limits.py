"""The HTTP listener's limits are the gRPC port's, and hostile requests get clean answers.

A request message larger than max_receive_message_bytes is refused before it
is read in full, headers larger than max_metadata_bytes before any
authenticator sees them; malformed envelopes and JSON are client errors
(test_http_fuzz.py tries many more).
"""

from __future__ import annotations

import json
import struct

import grpc
import httpx
import pytest

from crm_host.testing import StartHost, TestHost, web_call
from testplugins._proto.crmtest.v1 import echo_pb2
from testplugins.echo import WhoAmIPlugin

ECHO = "/crmtest.v1.EchoService/Echo"
CHECK = "/grpc.health.v1.Health/Check"
WATCH = "/grpc.health.v1.Health/Watch"
LIMIT = 1024

pytestmark = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


def envelope(payload: bytes, flags: int = 0, length: int | None = None) -> bytes:
    return struct.pack(">BI", flags, len(payload) if length is None else length) + payload


async def limited_host(crm_host: StartHost) -> TestHost:
    return await crm_host(
        (WhoAmIPlugin("authenticated"), "whoami"),
        http_listen="127.0.0.1:0",
        max_receive_message_bytes=LIMIT,
    )


def details(reply: httpx.Response) -> dict[str, object]:
    [detail] = reply.json()["details"]
    debug: dict[str, object] = detail["debug"]
    return debug


async def test_a_message_over_the_limit_is_resource_exhausted(crm_host: StartHost) -> None:
    host = await limited_host(crm_host)
    big = echo_pb2.EchoRequest(message="x" * (LIMIT + 10))
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        for protocol in ("connect-json", "connect-proto", "grpc-web", "grpc-web-text"):
            reply = await web_call(
                client, ECHO, big, echo_pb2.EchoResponse, protocol, metadata=host.caller("u")
            )
            assert reply.code == grpc.StatusCode.RESOURCE_EXHAUSTED, protocol
            assert reply.error is not None
            assert reply.error.reason == "MESSAGE_TOO_LARGE"
            assert reply.error.metadata == {"limitBytes": str(LIMIT)}
            if protocol.startswith("connect"):
                assert reply.http_status == 429
        # A message just within the limit is served.
        fits = echo_pb2.EchoRequest(message="x" * (LIMIT - 10))
        reply = await web_call(
            client, ECHO, fits, echo_pb2.EchoResponse, "connect-proto", metadata=host.caller("u")
        )
        assert reply.code == grpc.StatusCode.OK


async def test_an_announced_length_over_the_limit_is_refused_without_reading_it(
    crm_host: StartHost,
) -> None:
    host = await limited_host(crm_host)
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        # The envelope claims 1 GiB; only its header is sent.
        reply = await client.post(
            ECHO,
            content=envelope(b"", length=1 << 30),
            headers={"content-type": "application/grpc-web+proto", **dict(host.caller("u"))},
        )
        assert b"grpc-status: 8\r\n" in reply.content
        stream = await client.post(
            WATCH,
            content=envelope(b"", length=1 << 30),
            headers={"content-type": "application/connect+json"},
        )
    end = json.loads(stream.content[5:])
    assert end["error"]["code"] == "resource_exhausted"


async def test_headers_over_the_metadata_limit_are_refused_before_authentication(
    crm_host: StartHost,
) -> None:
    host = await limited_host(crm_host)
    limit = host.host.settings.max_metadata_bytes
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await client.post(
            ECHO,
            json={},
            headers={"authorization": "Bearer " + "t" * (limit + 100)},
        )
        assert reply.status_code == 429
        assert details(reply)["reason"] == "METADATA_TOO_LARGE"
        # Far larger headers are refused by the HTTP parser itself (a bare 400,
        # and the connection closed, maybe before the client reads the 400),
        # and the listener goes on serving.
        try:
            huge = await client.post(ECHO, json={}, headers={"x-pad": "p" * (8 * limit)})
        except httpx.ReadError:
            pass
        else:
            assert huge.status_code == 400
        after = await web_call(
            client,
            ECHO,
            echo_pb2.EchoRequest(),
            echo_pb2.EchoResponse,
            metadata=host.caller("still-here"),
        )
    assert after.response == echo_pb2.EchoResponse(message="still-here", thread="MainThread")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (envelope(b"abc", flags=1), "COMPRESSED_MESSAGE"),
        (envelope(b"abc", flags=4), "MALFORMED_ENVELOPE"),
        (envelope(b"abc")[:6], "MALFORMED_ENVELOPE"),
        (envelope(b"\xff\xff"), "MALFORMED_REQUEST"),
    ],
)
async def test_malformed_envelopes_are_invalid_arguments(
    crm_host: StartHost, body: bytes, reason: str
) -> None:
    host = await limited_host(crm_host)
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await client.post(
            ECHO,
            content=body,
            headers={"content-type": "application/grpc-web+proto", **dict(host.caller("u"))},
        )
    assert b"grpc-status: 3\r\n" in reply.content


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"message": 5}', b"", b'{"message": "\\ud800"}'])
async def test_bad_json_is_malformed_request_after_admission(
    crm_host: StartHost, body: bytes
) -> None:
    host = await limited_host(crm_host)
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        anonymous = await client.post(
            ECHO, content=body, headers={"content-type": "application/json"}
        )
        caller = await client.post(
            ECHO,
            content=body,
            headers={"content-type": "application/json", **dict(host.caller("u"))},
        )
    # As on the gRPC port, the caller is admitted (or not) before the request is read.
    assert anonymous.json()["code"] == "unauthenticated"
    assert caller.status_code == 400
    assert details(caller)["reason"] == "MALFORMED_REQUEST"


@pytest.mark.parametrize(
    ("content_type", "header"),
    [
        ("application/json", "content-encoding"),
        ("application/connect+json", "connect-content-encoding"),
        ("application/grpc-web+proto", "grpc-encoding"),
    ],
)
async def test_compressed_requests_are_unimplemented(
    crm_host: StartHost, content_type: str, header: str
) -> None:
    host = await limited_host(crm_host)
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await client.post(
            ECHO if content_type != "application/connect+json" else WATCH,
            content=envelope(b"{}"),
            headers={"content-type": content_type, header: "gzip", **dict(host.caller("u"))},
        )
    if content_type == "application/json":
        assert reply.status_code == 501
        assert details(reply)["reason"] == "COMPRESSION_UNSUPPORTED"
    elif content_type == "application/connect+json":
        assert json.loads(reply.content[5:])["error"]["code"] == "unimplemented"
    else:
        assert b"grpc-status: 12\r\n" in reply.content
