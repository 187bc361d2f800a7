"""Fuzzed requests to the HTTP listener: malformed envelopes, bad JSON, wrong content types.

Whatever arrives, the answer is a client error (or the call's own answer),
never INTERNAL or UNKNOWN, and the listener goes on serving.
"""

from __future__ import annotations

import asyncio
import json
import queue
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_host.testing import start_test_host, stop_test_host
from testplugins.echo import WhoAmIPlugin

ECHO = "/crmtest.v1.EchoService/Echo"
CHECK = "/grpc.health.v1.Health/Check"
LIMIT = 1024


def envelope(payload: bytes, flags: int = 0, length: int | None = None) -> bytes:
    return struct.pack(">BI", flags, len(payload) if length is None else length) + payload


@pytest.fixture(scope="module")
def listener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A host with an HTTP listener on its own thread and loop, for synchronous fuzzing."""
    started: queue.Queue[str | BaseException] = queue.Queue()
    stop = threading.Event()
    database = Path(tmp_path_factory.mktemp("fuzz")) / "crm.db"

    async def serve() -> None:
        try:
            host = await start_test_host(
                [(WhoAmIPlugin("public"), "whoami")],
                f"sqlite:///{database}",
                http_listen="127.0.0.1:0",
                max_receive_message_bytes=LIMIT,
            )
        except BaseException as exc:
            started.put(exc)
            raise
        started.put(host.http_url)
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await stop_test_host(host)

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    url = started.get(timeout=60)
    assert isinstance(url, str), url
    yield url
    stop.set()
    thread.join(timeout=30)


CONTENT_TYPES = [
    value.encode()
    for value in [
        "application/json",
        "application/proto",
        "application/connect+json",
        "application/connect+proto",
        "application/grpc-web",
        "application/grpc-web+proto",
        "application/grpc-web-text",
        "application/grpc-web+json",
        "text/plain",
        "application/json; charset=utf-8",
    ]
]
envelopes = st.builds(
    envelope,
    st.binary(max_size=64),
    st.integers(0, 255),
    st.one_of(st.none(), st.integers(0, 2**32 - 1)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
bodies = st.one_of(
    st.binary(max_size=256),
    envelopes,
    st.lists(envelopes, max_size=3).map(b"".join),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"message": json_values}).map(lambda value: json.dumps(value).encode()),
)
extra_headers = st.dictionaries(
    st.sampled_from(["connect-timeout-ms", "grpc-timeout", "x-request-id", "authorization"]),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=20),
    max_size=2,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from([ECHO, CHECK, "/crmtest.v1.EchoService/Nope", "/", "/x/y/z"]),
    content_type=st.sampled_from(CONTENT_TYPES)
    | st.binary(max_size=30).filter(lambda value: not set(value) & {0, 10, 13}),
    body=bodies,
    headers=extra_headers,
)
def test_fuzzed_requests_never_get_internal_and_never_break_the_listener(
    listener: str, path: str, content_type: bytes, body: bytes, headers: dict[str, str]
) -> None:
    with httpx.Client(base_url=listener, timeout=30) as client:
        try:
            sent = [(key.encode(), value.encode()) for key, value in headers.items()]
            reply = client.post(
                path, content=body, headers=[*sent, (b"content-type", content_type)]
            )
        except httpx.LocalProtocolError:
            # A header value httpx itself will not send.
            return
        assert reply.status_code < 500 or reply.status_code in (501, 503, 504), reply.text
        if reply.headers.get("content-type") == "application/json" and reply.status_code != 200:
            assert reply.json()["code"] != "internal"
        if reply.headers.get("content-type", "").startswith("application/grpc-web"):
            assert b"grpc-status: 13\r\n" not in reply.content
            assert b"grpc-status: 2\r\n" not in reply.content
        # Still serving.
        check = client.post(CHECK, json={})
        assert check.json() == {"status": "SERVING"}
