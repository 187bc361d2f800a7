"""The HTTP listener speaks Connect (JSON, binary, streaming) and gRPC-Web (binary, text).

Every call goes through the gRPC port's interceptor to the same handler:
async and plain (sync) handlers, errors with their rich details, the
request id, deadlines, server streaming (Health.Watch), CORS.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from crm_host.testing import WEB_PROTOCOLS, StartHost, TestHost, web_call
from testplugins._proto.crmtest.v1 import echo_pb2
from testplugins.echo import AsyncEchoPlugin, EchoPlugin, SyncEchoPlugin, WhoAmIPlugin

ECHO = "/crmtest.v1.EchoService/Echo"
WATCH = "/grpc.health.v1.Health/Watch"
ORIGIN = "https://app.example.com"

# The echo handlers touch no database: one engine is enough.
pytestmark = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


def envelope(payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(payload)) + payload


async def frames(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[int, bytes]]:
    """Enveloped messages as they arrive."""
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= 5:
            flags, length = struct.unpack(">BI", buffer[:5])
            if len(buffer) < 5 + length:
                break
            yield flags, buffer[5 : 5 + length]
            buffer = buffer[5 + length :]


async def web_host(crm_host: StartHost, plugin: EchoPlugin, **settings: Any) -> TestHost:
    return await crm_host((plugin, "echo"), http_listen="127.0.0.1:0", **settings)


@pytest.mark.parametrize("protocol", WEB_PROTOCOLS)
@pytest.mark.parametrize("plugin_class", [AsyncEchoPlugin, SyncEchoPlugin])
@pytest.mark.parametrize("receive_timeout_seconds", [10.0, 0.0])
async def test_async_and_sync_handlers_answer_in_every_protocol(
    crm_host: StartHost,
    protocol: str,
    plugin_class: Callable[[], EchoPlugin],
    receive_timeout_seconds: float,
) -> None:
    """With a receive timeout the interceptor reads the request itself; without, the
    listener does: both paths, for both kinds of handler."""
    host = await web_host(crm_host, plugin_class(), receive_timeout_seconds=receive_timeout_seconds)
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await web_call(
            client,
            ECHO,
            echo_pb2.EchoRequest(message="hello"),
            echo_pb2.EchoResponse,
            protocol,
            metadata=[("x-request-id", "web-call-1")],
        )
    assert reply.code == grpc.StatusCode.OK
    assert isinstance(reply.response, echo_pb2.EchoResponse)
    assert reply.response.message == "hello"
    sync = plugin_class is SyncEchoPlugin
    # Plain handlers run on the host's worker threads, async ones on the loop.
    assert reply.response.thread.startswith("crm-sync-handler") == sync
    assert reply.trailers["x-request-id"] == "web-call-1"


@pytest.mark.parametrize("protocol", WEB_PROTOCOLS)
@pytest.mark.parametrize("plugin_class", [AsyncEchoPlugin, SyncEchoPlugin])
async def test_errors_carry_their_code_and_details_and_never_leak(
    crm_host: StartHost, protocol: str, plugin_class: Callable[[], EchoPlugin]
) -> None:
    host = await web_host(crm_host, plugin_class())
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        aborted = await web_call(
            client, ECHO, echo_pb2.EchoRequest(message="abort"), echo_pb2.EchoResponse, protocol
        )
        broken = await web_call(
            client, ECHO, echo_pb2.EchoRequest(message="raise"), echo_pb2.EchoResponse, protocol
        )
    assert aborted.code == grpc.StatusCode.FAILED_PRECONDITION
    assert aborted.message == "aborted on purpose"
    assert "x-request-id" in aborted.trailers
    assert broken.code == grpc.StatusCode.INTERNAL
    assert broken.error is not None
    assert broken.error.reason == "INTERNAL"
    assert "secret" not in broken.message
    assert "passwd" not in str(broken.headers)
    if protocol.startswith("connect"):
        assert (aborted.http_status, broken.http_status) == (400, 500)


async def test_connect_json_errors_are_the_documented_object(crm_host: StartHost) -> None:
    host = await web_host(crm_host, WhoAmIPlugin("authenticated"))
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await client.post(ECHO, json={"message": "hi"})
    assert reply.status_code == 401
    assert reply.headers["content-type"] == "application/json"
    error = reply.json()
    assert error["code"] == "unauthenticated"
    assert error["message"] == "this method needs 'authorization: Bearer <session token>'"
    [detail] = error["details"]
    assert detail["type"] == "google.rpc.ErrorInfo"
    assert detail["debug"] == {"reason": "UNAUTHENTICATED", "domain": "crm-host"}
    assert "=" not in detail["value"]


async def test_the_authorization_header_authenticates_as_on_the_grpc_port(
    crm_host: StartHost,
) -> None:
    host = await web_host(crm_host, WhoAmIPlugin("authenticated"))
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        for protocol in WEB_PROTOCOLS:
            reply = await web_call(
                client,
                ECHO,
                echo_pb2.EchoRequest(message="in"),
                echo_pb2.EchoResponse,
                protocol,
                metadata=host.caller("u1"),
            )
            assert reply.code == grpc.StatusCode.OK, protocol


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/connect+json", envelope(b'{"service": ""}')),
        ("application/connect+proto", envelope(b"")),
        ("application/grpc-web+proto", envelope(b"")),
    ],
)
async def test_health_watch_streams_until_the_client_leaves(
    crm_host: StartHost, content_type: str, body: bytes
) -> None:
    host = await web_host(crm_host, AsyncEchoPlugin(), default_deadline_seconds=0.5)
    async with (
        httpx.AsyncClient(base_url=host.http_url) as client,
        client.stream("POST", WATCH, content=body, headers={"content-type": content_type}) as reply,
    ):
        assert reply.status_code == 200
        assert reply.headers["content-type"] == content_type
        received = frames(reply.aiter_bytes())
        flags, first = await anext(received)
        assert flags == 0
        if content_type.endswith("json"):
            assert json.loads(first) == {"status": "SERVING"}
        else:
            assert health_pb2.HealthCheckResponse.FromString(first).status == 1
        # Past several default deadlines the stream is still open.
        pending = asyncio.ensure_future(anext(received))
        done, _ = await asyncio.wait({pending}, timeout=1.5)
        assert done == set()
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
    # The client went away: the host stops without waiting for the stream.
    await asyncio.wait_for(host.host.stop(5), timeout=10)


@pytest.mark.parametrize("protocol", ["connect", "grpc-web"])
async def test_the_client_deadline_bounds_the_call(crm_host: StartHost, protocol: str) -> None:
    plugin = AsyncEchoPlugin()
    host = await web_host(crm_host, plugin)
    request = echo_pb2.EchoRequest(message="hold").SerializeToString()
    try:
        async with httpx.AsyncClient(base_url=host.http_url) as client:
            if protocol == "connect":
                reply = await client.post(
                    ECHO,
                    content=request,
                    headers={"content-type": "application/proto", "connect-timeout-ms": "200"},
                )
                assert reply.status_code == 504
                assert reply.json()["code"] == "deadline_exceeded"
            else:
                reply = await client.post(
                    ECHO,
                    content=envelope(request),
                    headers={"content-type": "application/grpc-web+proto", "grpc-timeout": "200m"},
                )
                assert b"grpc-status: 4\r\n" in reply.content
    finally:
        plugin.servicer.release.set()


@pytest.mark.parametrize(
    ("header", "value"),
    [("connect-timeout-ms", "soon"), ("connect-timeout-ms", "12345678901"), ("grpc-timeout", "1x")],
)
async def test_malformed_timeouts_are_invalid_arguments(
    crm_host: StartHost, header: str, value: str
) -> None:
    host = await web_host(crm_host, AsyncEchoPlugin())
    content_type = "application/json" if header.startswith("connect") else "application/grpc-web"
    body = b"{}" if header.startswith("connect") else envelope(b"")
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await client.post(
            ECHO, content=body, headers={"content-type": content_type, header: value}
        )
    if header.startswith("connect"):
        assert reply.status_code == 400
        assert reply.json()["code"] == "invalid_argument"
    else:
        assert b"grpc-status: 3\r\n" in reply.content


async def test_cors_preflight_and_exposed_headers(crm_host: StartHost) -> None:
    host = await web_host(crm_host, AsyncEchoPlugin(), http_cors_origins=ORIGIN)
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        preflight = await client.options(
            ECHO,
            headers={
                "origin": ORIGIN,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization, x-grpc-web",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert preflight.headers["access-control-allow-methods"] == "POST"
        assert preflight.headers["access-control-allow-headers"] == (
            "content-type, authorization, x-grpc-web"
        )
        assert preflight.headers["access-control-max-age"] == "7200"
        reply = await client.post(ECHO, json={"message": "x"}, headers={"origin": ORIGIN})
        assert reply.status_code == 200
        assert reply.headers["access-control-allow-origin"] == ORIGIN
        exposed = reply.headers["access-control-expose-headers"].split(", ")
        assert {"grpc-status", "grpc-message", "grpc-status-details-bin"} <= set(exposed)
        assert {"x-request-id", "trailer-x-request-id"} <= set(exposed)
        elsewhere = await client.options(
            ECHO,
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        assert elsewhere.status_code == 403
        assert "access-control-allow-origin" not in elsewhere.headers
        refused = await client.post(
            ECHO, json={"message": "x"}, headers={"origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in refused.headers


async def test_without_configured_origins_no_cors_headers_are_sent(crm_host: StartHost) -> None:
    host = await web_host(crm_host, AsyncEchoPlugin())
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        preflight = await client.options(
            ECHO, headers={"origin": ORIGIN, "access-control-request-method": "POST"}
        )
        reply = await client.post(ECHO, json={"message": "x"}, headers={"origin": ORIGIN})
    assert preflight.status_code == 403
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers


async def test_requests_outside_the_protocols_are_refused_plainly(crm_host: StartHost) -> None:
    host = await web_host(crm_host, AsyncEchoPlugin())
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        assert (await client.get(ECHO)).status_code == 405
        wrong_type = await client.post(ECHO, content=b"x", headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415
        # Connect's unary content types are for unary methods only.
        unary_for_stream = await client.post(WATCH, json={})
        assert unary_for_stream.status_code == 415
        unknown = await client.post("/nope.v1.Nope/Nope", json={})
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "unimplemented"


async def test_a_bidirectional_stream_works_half_duplex(crm_host: StartHost) -> None:
    """Reflection is a bidirectional stream: two requests in the body, two answers."""
    host = await web_host(crm_host, AsyncEchoPlugin())
    request = reflection_pb2.ServerReflectionRequest(list_services="").SerializeToString()
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await client.post(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            content=envelope(request) * 2,
            headers={"content-type": "application/grpc-web+proto"},
        )

    async def chunks() -> AsyncIterator[bytes]:
        yield reply.content

    received = [frame async for frame in frames(chunks())]
    answers = [reflection_pb2.ServerReflectionResponse.FromString(p) for f, p in received if f == 0]
    assert len(answers) == 2
    assert "crmtest.v1.EchoService" in {s.name for s in answers[0].list_services_response.service}
    assert received[-1][0] == 0x80
    assert received[-1][1].startswith(b"grpc-status: 0\r\n")
