"""Roles: every plugin registers its own, the host lists them, and no two plugins share one."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest

import testplugins.notes
from crm_host import hookimpl
from crm_host._proto.crm.host.v1 import host_pb2, host_pb2_grpc
from crm_host._server.plugins import PluginError
from crm_host.hookspecs import RegisterRole
from crm_host.testing import StartHost
from testplugins.widgets import WidgetsPlugin

NOTES = (testplugins.notes, "notes")


class Auditing:
    def __init__(self, role: str) -> None:
        self.role = role

    @hookimpl
    def register_roles(self, register: RegisterRole) -> None:
        register(self.role, "reads the audit log")


async def test_list_roles_names_every_role_its_description_and_plugin(
    crm_host: StartHost,
) -> None:
    host = await crm_host(NOTES, (WidgetsPlugin(), "widgets"), (Auditing("auditor"), "audit"))
    stub = host_pb2_grpc.HostServiceStub(host.channel)
    reply = await stub.ListRoles(
        host_pb2.ListRolesRequest(), metadata=host.caller("someone"), timeout=30
    )
    listed = [(r.name, r.description, r.plugin) for r in reply.roles]
    assert listed == sorted(listed)
    assert ("auditor", "reads the audit log", "audit") in listed
    assert ("writer", "may create notes", "notes") in listed
    assert {plugin for _, _, plugin in listed} == {"audit", "notes", "widgets"}


async def test_list_roles_requires_a_caller(crm_host: StartHost) -> None:
    host = await crm_host(NOTES)
    stub = host_pb2_grpc.HostServiceStub(host.channel)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await stub.ListRoles(host_pb2.ListRolesRequest(), timeout=30)
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_two_plugins_registering_one_role_is_refused_naming_both(
    crm_host: StartHost,
) -> None:
    with pytest.raises(PluginError) as refused:
        await crm_host(NOTES, (Auditing("writer"), "audit"))
    assert str(refused.value) == (
        "plugin 'audit': role 'writer' is already registered by plugin 'notes'"
    )
