"""The HTTP listener as part of the host: its option, its port, its share of the limits, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Callable

import httpx
import pytest

from crm_host._server.config import ConfigError, load
from crm_host._server.lifecycle import HostError
from crm_host.testing import HostProcess, StartHost
from testplugins.echo import AsyncEchoPlugin

ECHO = "/crmtest.v1.EchoService/Echo"
SERVING_HTTP = re.compile(r"serving Connect and gRPC-Web on \S+ \(port (\d+)\)")

# The listener does not depend on the database: one engine is enough.
SQLITE = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


@SQLITE
async def test_a_request_that_never_arrives_in_full_ends_at_the_receive_timeout(
    crm_host: StartHost,
) -> None:
    """As on the gRPC port: DEADLINE_EXCEEDED, REQUEST_NOT_RECEIVED, and no handler runs."""
    host = await crm_host(
        (AsyncEchoPlugin(), "echo"), http_listen="127.0.0.1:0", receive_timeout_seconds=0.5
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", host.host.http_port)
    try:
        writer.write(
            f"POST {ECHO} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            "content-length: 100\r\n\r\n{".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
        body = json.loads(await reader.readexactly(length))
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 504 ")
    assert body["code"] == "deadline_exceeded"
    assert body["details"][0]["debug"]["reason"] == "REQUEST_NOT_RECEIVED"


@SQLITE
async def test_a_taken_port_stops_the_host_with_one_line(crm_host: StartHost) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(HostError, match=rf"^cannot serve HTTP on {address}: "):
            await crm_host((AsyncEchoPlugin(), "echo"), http_listen=address)


def test_the_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="http_listen cannot be used with workers above 1"):
        load({"http_listen": "127.0.0.1:8080", "workers": 2}, {})
    with pytest.raises(ConfigError, match=r"http_cors_origins .*is not an origin"):
        load({"http_cors_origins": "https://ok.example, https://x.example/path"}, {})
    with pytest.raises(ConfigError, match=r"trusted_proxies .*'10\.0\.0\.0/33' is not an IP"):
        load({}, {"CRM_TRUSTED_PROXIES": "10.0.0.0/33"})
    settings = load({"http_cors_origins": " https://a.example , http://localhost:5173"}, {})
    assert settings.settings.cors_origins == {"https://a.example", "http://localhost:5173"}


async def test_serve_with_http_listen_serves_both_ports_and_stops_on_sigterm(
    serve_notes: Callable[..., HostProcess],
) -> None:
    process = serve_notes("--http-listen", "127.0.0.1:0")
    port = int(SERVING_HTTP.search(process.output).group(1))  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        reply = await client.post("/grpc.health.v1.Health/Check", json={})
        while reply.json() != {"status": "SERVING"}:
            await asyncio.sleep(0.05)
            reply = await client.post("/grpc.health.v1.Health/Check", json={})
    assert await asyncio.to_thread(process.terminate) == 0
    assert " crm_host: stopped\n" in process.output


@SQLITE
async def test_connections_beyond_the_limit_get_503(crm_host: StartHost) -> None:
    host = await crm_host(
        (AsyncEchoPlugin(), "echo"), http_listen="127.0.0.1:0", http_max_connections=2
    )
    idle = [await asyncio.open_connection("127.0.0.1", host.host.http_port)]
    try:
        async with httpx.AsyncClient(base_url=host.http_url) as client:
            # One idle connection and this one: within the limit.
            assert (await client.post(ECHO, json={"message": "in"})).status_code == 200
            idle.append(await asyncio.open_connection("127.0.0.1", host.host.http_port))
            await asyncio.sleep(0.1)
            refused = await client.post(ECHO, json={"message": "out"})
            assert refused.status_code == 503
            for _, writer in idle:
                writer.close()
            idle.clear()
            await asyncio.sleep(0.1)
            assert (await client.post(ECHO, json={"message": "again"})).status_code == 200
    finally:
        for _, writer in idle:
            writer.close()
