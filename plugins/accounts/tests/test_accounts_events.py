"""The account's events, as an admin watches them: one per change, never a secret."""

from __future__ import annotations

import asyncio

import grpc.aio

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.events import events_pb2, events_pb2_grpc, secret_fields
from crm_host.testing import TestHost

from .accounts_client import PASSWORD, Accounts

NEW_PASSWORD = "another horse, another staple"
VERBS = (
    "created",
    "updated",
    "deleted",
    "disabled",
    "enabled",
    "password_changed",
)


async def next_event(call: grpc.aio.UnaryStreamCall) -> events_pb2.CloudEvent:
    """The next event of a Watch, past heartbeats."""
    async with asyncio.timeout(20):
        while True:
            response = await call.read()
            assert response is not grpc.aio.EOF
            if response.HasField("event"):
                event: events_pb2.CloudEvent = response.event
                return event


async def test_every_account_change_is_published_without_secrets(
    accounts_host: TestHost, accounts: Accounts
) -> None:
    stub = events_pb2_grpc.EventServiceStub(accounts_host.channel)
    call = stub.Watch(
        events_pb2.WatchRequest(types=["accounts.account.*"]),
        metadata=accounts_host.caller("auditor", ["admin"]),
    )
    first = await call.read()
    assert first.HasField("heartbeat")
    created = await accounts.create(email="eve@example.com")
    await accounts.disable(created.id)
    await accounts.enable(created.id)
    await accounts.grant(created.id, "admin")
    eve = await accounts.login("eve@example.com")
    await eve.change_password(created.id, PASSWORD, NEW_PASSWORD)
    await accounts.delete(created.id)
    expected = ["created", "disabled", "enabled", "updated", "password_changed", "deleted"]
    got = [await next_event(call) for _ in expected]
    call.cancel()
    assert [e.type for e in got] == [f"accounts.account.{verb}.v1" for verb in expected]
    assert {e.attributes["subject"].ce_string for e in got} == {created.id}
    assert got[3].attributes["updatemask"].ce_string == "roles"
    states = []
    for event in got:
        account = accounts_pb2.Account()
        assert event.proto_data.Unpack(account)
        assert account.email == "eve@example.com"
        # Not a field, not a value: the password appears nowhere in the event.
        assert PASSWORD.encode() not in event.SerializeToString()
        assert NEW_PASSWORD.encode() not in event.SerializeToString()
        states.append(account.state)
    assert states[:3] == [
        accounts_pb2.Account.ACTIVE,
        accounts_pb2.Account.DISABLED,
        accounts_pb2.Account.ACTIVE,
    ]
    assert secret_fields(accounts_pb2.Account.DESCRIPTOR) == []


async def test_no_account_event_type_can_carry_a_secret(accounts_host: TestHost) -> None:
    declared = {t.name: t for t in accounts_host.events.types}
    assert {f"accounts.account.{verb}.v1" for verb in VERBS} <= set(declared)
    for event_type in declared.values():
        assert secret_fields(event_type.message.DESCRIPTOR) == [], event_type.name
    # What the check would catch: the request that carries a password.
    assert secret_fields(accounts_pb2.CreateAccountRequest.DESCRIPTOR) == ["password"]
