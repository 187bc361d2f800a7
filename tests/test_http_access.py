"""Access policies hold on the HTTP listener exactly as on the gRPC port: one table, both ports.

The notes test plugin registers the role ``writer``; WhoAmI answers with the
caller the host resolved for it.
"""

from __future__ import annotations

import grpc
import grpc.aio
import httpx
import pytest

import testplugins.notes
from crm_host.testing import WEB_PROTOCOLS, StartHost, TestHost, rich_error, web_call
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import WhoAmIPlugin

Code = grpc.StatusCode
NOTES = (testplugins.notes, "notes")
ECHO = "/crmtest.v1.EchoService/Echo"

CALLERS = ["anonymous", "user", "writer", "unknown token", "not bearer"]
# By policy (None: none declared), for each caller: the answer, or the refusal's reason.
Outcome = str | tuple[grpc.StatusCode, str]
TABLE: dict[str | None, list[Outcome]] = {
    "public": ["anonymous", "user", "writer", "anonymous", "anonymous"],
    "authenticated": [
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
        "user",
        "writer",
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
    ],
    "role:writer": [
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
        (Code.PERMISSION_DENIED, "ROLE_REQUIRED"),
        "writer",
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
    ],
    None: [
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
        "user",
        "writer",
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
        (Code.UNAUTHENTICATED, "UNAUTHENTICATED"),
    ],
}


def metadata(host: TestHost, caller: str) -> tuple[tuple[str, str], ...]:
    return {
        "anonymous": (),
        "user": host.caller("user"),
        "writer": host.caller("writer", roles={"writer"}),
        "unknown token": (("authorization", "Bearer not-a-token"),),
        "not bearer": (("authorization", "Basic dXNlcjpwYXNz"),),
    }[caller]


async def over_grpc(host: TestHost, caller: str) -> Outcome:
    stub = echo_pb2_grpc.EchoServiceStub(host.channel)
    try:
        reply = await stub.Echo(echo_pb2.EchoRequest(), metadata=metadata(host, caller), timeout=30)
    except grpc.aio.AioRpcError as error:
        return error.code(), rich_error(error).reason
    return str(reply.message)


async def over_http(
    client: httpx.AsyncClient, host: TestHost, caller: str, protocol: str
) -> Outcome:
    reply = await web_call(
        client,
        ECHO,
        echo_pb2.EchoRequest(),
        echo_pb2.EchoResponse,
        protocol,
        metadata=metadata(host, caller),
    )
    if reply.error is not None:
        return reply.code, reply.error.reason
    assert isinstance(reply.response, echo_pb2.EchoResponse)
    return reply.response.message


@pytest.mark.parametrize("policy", list(TABLE))
async def test_the_same_policy_table_holds_on_both_ports(
    crm_host: StartHost, policy: str | None
) -> None:
    host = await crm_host(NOTES, (WhoAmIPlugin(policy), "whoami"), http_listen="127.0.0.1:0")
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        for caller, expected in zip(CALLERS, TABLE[policy], strict=True):
            assert await over_grpc(host, caller) == expected, ("grpc", caller)
            for protocol in WEB_PROTOCOLS:
                assert await over_http(client, host, caller, protocol) == expected, (
                    protocol,
                    caller,
                )
