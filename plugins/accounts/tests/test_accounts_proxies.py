"""The login throttle counts the client a trusted proxy names, and only such a client.

Without trusted proxies (or from a peer outside them), X-Forwarded-For and
Forwarded are the caller's own words: a client that sets them to a new
address on every guess still fills one bucket, its own. From a trusted
proxy (here the loopback, where the test's client is), the client the proxy
names is counted, so two clients behind one proxy are two buckets. The same
on the gRPC port (metadata) and the HTTP listener (headers).
"""

from __future__ import annotations

import grpc
import grpc.aio
import httpx
import pytest

from crm_accounts._proto.accounts.v1 import accounts_pb2 as pb
from crm_host.testing import StartHost, TestHost, rich_error, web_call

from .accounts_client import CHEAP_ACCOUNTS

AUTHENTICATE = "/accounts.v1.AccountsService/Authenticate"
PEER_LIMIT = 3
THROTTLE = {
    **CHEAP_ACCOUNTS,
    "login_peer_max_failures": PEER_LIMIT,
    "login_max_failures": 100,
    "login_backoff_seconds": 600,
}


async def failed_login(host: TestHost, port: str, attempt: int, forwarded: str) -> str:
    """The refusal's reason for a wrong password, sent with ``forwarded`` as X-Forwarded-For."""
    request = pb.AuthenticateRequest(email=f"guess{attempt}@example.com", password="wrong")
    metadata = (("x-forwarded-for", forwarded),)
    if port == "grpc":
        call = host.channel.unary_unary(
            AUTHENTICATE,
            request_serializer=pb.AuthenticateRequest.SerializeToString,
            response_deserializer=pb.AuthenticateResponse.FromString,
        )
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(request, metadata=metadata, timeout=30)
        return rich_error(failure.value).reason
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        reply = await web_call(
            client, AUTHENTICATE, request, pb.AuthenticateResponse, metadata=metadata
        )
    assert reply.error is not None
    return reply.error.reason


@pytest.mark.parametrize("port", ["grpc", "http"])
@pytest.mark.parametrize("trusted", [None, "10.0.0.0/8"])
async def test_an_untrusted_client_cannot_move_its_throttle_bucket(
    crm_host: StartHost, port: str, trusted: str | None
) -> None:
    host = await crm_host(
        "accounts",
        settings={"accounts": THROTTLE},
        http_listen="127.0.0.1:0",
        trusted_proxies=trusted,
    )
    reasons = [
        await failed_login(host, port, attempt, f"203.0.113.{attempt}")
        for attempt in range(PEER_LIMIT + 1)
    ]
    assert reasons == ["INVALID_CREDENTIALS"] * PEER_LIMIT + ["TOO_MANY_LOGIN_ATTEMPTS"]


@pytest.mark.parametrize("port", ["grpc", "http"])
async def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(
    crm_host: StartHost, port: str
) -> None:
    host = await crm_host(
        "accounts",
        settings={"accounts": THROTTLE},
        http_listen="127.0.0.1:0",
        trusted_proxies="127.0.0.0/8, ::1",
    )
    # A client's own header entry is to the left of what the proxy appended.
    first = [
        await failed_login(host, port, attempt, "198.51.100.7, 203.0.113.1")
        for attempt in range(PEER_LIMIT + 1)
    ]
    assert first == ["INVALID_CREDENTIALS"] * PEER_LIMIT + ["TOO_MANY_LOGIN_ATTEMPTS"]
    # Another client behind the same proxy is not held back by the first.
    assert await failed_login(host, port, 0, "203.0.113.2") == "INVALID_CREDENTIALS"
