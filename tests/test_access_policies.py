"""Access policies across plugins: the principal another plugin's authenticator resolved,
default deny, and policies naming unknown roles.

The notes test plugin authenticates bearer tokens from its own table and
registers the role ``writer``; WhoAmI answers with the caller it is given.
"""

from __future__ import annotations

import logging

import grpc
import grpc.aio
import pytest

import testplugins.notes
from crm_host._server.plugins import PluginError
from crm_host.testing import StartHost
from support.notes import add_author
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import WhoAmIPlugin

Code = grpc.StatusCode
NOTES = (testplugins.notes, "notes")


async def test_a_plugin_rpc_declared_authenticated_reads_the_principal(
    crm_host: StartHost, crm_database_url: str
) -> None:
    host = await crm_host(NOTES, (WhoAmIPlugin("authenticated"), "whoami"))
    token = add_author(crm_database_url, "who")
    echo = echo_pb2_grpc.EchoServiceStub(host.channel)
    reply = await echo.Echo(
        echo_pb2.EchoRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=30
    )
    assert reply.message == "who"
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await echo.Echo(echo_pb2.EchoRequest(), timeout=30)
    assert failure.value.code() == Code.UNAUTHENTICATED


async def test_an_rpc_without_a_policy_requires_authentication_and_is_logged(
    crm_host: StartHost, crm_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="crm_host"):
        host = await crm_host(NOTES, (WhoAmIPlugin(None), "undeclared"))
    assert (
        "/crmtest.v1.EchoService/Echo declares no access policy; it requires authentication"
        in caplog.text
    )
    token = add_author(crm_database_url, "deny")
    echo = echo_pb2_grpc.EchoServiceStub(host.channel)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await echo.Echo(echo_pb2.EchoRequest(), timeout=30)
    assert failure.value.code() == Code.UNAUTHENTICATED
    reply = await echo.Echo(
        echo_pb2.EchoRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=30
    )
    assert reply.message == "deny"


async def test_a_policy_naming_an_unknown_role_stops_the_host(crm_host: StartHost) -> None:
    with pytest.raises(PluginError) as failure:
        await crm_host(NOTES, (WhoAmIPlugin("role:wizard"), "wizardry"))
    assert str(failure.value) == (
        "plugin 'wizardry': /crmtest.v1.EchoService/Echo requires the unknown role 'wizard' "
        "(registered roles: writer)"
    )
