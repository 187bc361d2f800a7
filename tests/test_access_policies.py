"""Access policies across plugins: the principal another plugin's authenticator resolved,
default deny, and policies naming unknown roles."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc
import grpc.aio
import pytest

import crm_accounts.plugin
from crm_host._server.lifecycle import Host
from crm_host._server.plugins import PluginError
from support.accounts import Accounts
from support.hosts import StartHost
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import WhoAmIPlugin

Code = grpc.StatusCode
ACCOUNTS = (crm_accounts.plugin, "accounts")


async def test_a_plugin_rpc_declared_authenticated_reads_the_principal(
    start_host: StartHost, channel_to: Callable[[Host], grpc.aio.Channel]
) -> None:
    host = await start_host(ACCOUNTS, (WhoAmIPlugin("authenticated"), "whoami"))
    accounts = Accounts(channel_to(host))
    account_id = (await accounts.create(email="who@example.com")).id
    token = (await accounts.authenticate("who@example.com")).session_token
    echo = echo_pb2_grpc.EchoServiceStub(channel_to(host))
    reply = await echo.Echo(
        echo_pb2.EchoRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=30
    )
    assert reply.message == account_id
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await echo.Echo(echo_pb2.EchoRequest(), timeout=30)
    assert failure.value.code() == Code.UNAUTHENTICATED


async def test_an_rpc_without_a_policy_requires_authentication_and_is_logged(
    start_host: StartHost,
    channel_to: Callable[[Host], grpc.aio.Channel],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="crm_host"):
        host = await start_host(ACCOUNTS, (WhoAmIPlugin(None), "undeclared"))
    assert (
        "/crmtest.v1.EchoService/Echo declares no access policy; it requires authentication"
        in caplog.text
    )
    accounts = Accounts(channel_to(host))
    await accounts.create(email="deny@example.com")
    token = (await accounts.authenticate("deny@example.com")).session_token
    echo = echo_pb2_grpc.EchoServiceStub(channel_to(host))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await echo.Echo(echo_pb2.EchoRequest(), timeout=30)
    assert failure.value.code() == Code.UNAUTHENTICATED
    reply = await echo.Echo(
        echo_pb2.EchoRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=30
    )
    assert reply.message != "anonymous"


async def test_a_policy_naming_an_unknown_role_stops_the_host(start_host: StartHost) -> None:
    with pytest.raises(PluginError) as failure:
        await start_host(ACCOUNTS, (WhoAmIPlugin("role:wizard"), "wizardry"))
    assert str(failure.value) == (
        "plugin 'wizardry': /crmtest.v1.EchoService/Echo requires the unknown role 'wizard' "
        "(registered roles: admin)"
    )
