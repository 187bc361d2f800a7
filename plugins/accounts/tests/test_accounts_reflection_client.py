"""A second client that knows the API only through server reflection: grpc-requests.

``grpc_requests.ReflectionAsyncClient`` asks the server's reflection service
for the file descriptors, builds the request and response classes with
protobuf's ``GetMessageClass`` and the stubs with ``channel.unary_unary``. It
is given a descriptor pool of its own, so nothing comes from the generated
``accounts_pb2`` this process also imports; the tests check that the replies
really are instances of the classes built from reflection.

Every accounts RPC is called and must succeed: a client written against the
reflected schema alone can drive the whole API.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pool

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import TestHost, rich_error

from .accounts_client import ADMIN_EMAIL, PASSWORD

GRPC_REQUESTS = "grpc-requests"
SERVICE = "accounts.v1.AccountsService"
# Only used to check that reflection told the whole story; never for a call.
COMPILED = accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"]


def grpc_requests() -> ModuleType:
    """The grpc_requests package; fails (never skips) the test when it is missing."""
    try:
        return importlib.import_module("grpc_requests")
    except ImportError as error:
        pytest.fail(
            f"{GRPC_REQUESTS} is not installed ({error}): it comes with the dev dependency "
            f"group (`uv sync --group dev`, or `uv run --with {GRPC_REQUESTS} pytest`)"
        )


class ReflectedAccounts:
    """Calls AccountsService through stubs built from reflection, recording each method."""

    def __init__(self, client: Any, pool: descriptor_pool.DescriptorPool) -> None:
        self.client = client
        self.pool = pool
        self.called: set[str] = set()

    async def call(self, method: str, request: dict[str, Any], token: str = "") -> Any:
        """Call ``method`` with a JSON-like request; return the reply message."""
        metadata = (("authorization", f"Bearer {token}"),) if token else None
        reply = await self.client.request(
            SERVICE, method, request, raw_output=True, metadata=metadata, timeout=30
        )
        # The reply's class was made from the reflected descriptors, not the generated code.
        assert reply.DESCRIPTOR.file.pool is self.pool
        assert not isinstance(reply, accounts_pb2.Account | accounts_pb2.AuthenticateResponse)
        self.called.add(method)
        return reply

    async def fails(
        self, method: str, request: dict[str, Any], code: grpc.StatusCode, token: str = ""
    ) -> str:
        """Call ``method``, which must fail with ``code``; return the ErrorInfo reason."""
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await self.call(method, request, token)
        error = rich_error(failure.value)
        assert error.code == code, error
        return error.reason


@pytest.fixture
async def reflected(accounts_host: TestHost) -> AsyncIterator[ReflectedAccounts]:
    pool = descriptor_pool.DescriptorPool()
    client = grpc_requests().ReflectionAsyncClient(
        f"127.0.0.1:{accounts_host.port}", descriptor_pool=pool
    )
    try:
        yield ReflectedAccounts(client, pool)
    finally:
        await client.channel.close()


async def test_the_schema_comes_from_reflection(reflected: ReflectedAccounts) -> None:
    with pytest.raises(KeyError):
        reflected.pool.FindFileByName(accounts_pb2.DESCRIPTOR.name)
    service = await reflected.client.service(SERVICE)
    assert sorted(service.method_names) == sorted(method.name for method in COMPILED.methods)
    # Now the pool holds the file, with the seed's CreateAccount contract.
    request = reflected.pool.FindMessageTypeByName("accounts.v1.CreateAccountRequest")
    assert [(field.name, field.number) for field in request.fields][:3] == [
        ("name", 1),
        ("email", 2),
        ("password", 3),
    ]


async def test_every_accounts_rpc(reflected: ReflectedAccounts) -> None:
    """Each RPC once at least, as the caller its policy wants, in an order where all succeed."""
    accounts = reflected
    admin = await accounts.call("Authenticate", {"email": ADMIN_EMAIL, "password": PASSWORD})
    admin_token = admin.session_token

    # Public: sign-up and sign-in.
    created = await accounts.call(
        "CreateAccount", {"name": "John Doe", "email": "john@example.com", "password": PASSWORD}
    )
    account_id = created.id
    assert created.name == "John Doe"
    signed_in = await accounts.call(
        "Authenticate", {"email": "john@example.com", "password": PASSWORD}
    )
    assert signed_in.account.id == account_id
    token = signed_in.session_token

    # The account itself: read and change.
    fetched = await accounts.call("GetAccount", {"id": account_id}, token)
    assert fetched.email == "john@example.com"
    updated = await accounts.call(
        "UpdateAccount",
        {
            "account": {"id": account_id, "name": "John Smith", "etag": fetched.etag},
            "update_mask": "name",
        },
        token,
    )
    assert updated.name == "John Smith"
    assert updated.etag != fetched.etag

    # Admin only: list, disable, enable.
    page = await accounts.call("ListAccounts", {"page_size": 10, "order_by": "name"}, admin_token)
    assert [account.email for account in page.accounts] == [ADMIN_EMAIL, "john@example.com"]
    disabled = await accounts.call("DisableAccount", {"id": account_id}, admin_token)
    assert disabled.State.Name(disabled.state) == "DISABLED"
    enabled = await accounts.call("EnableAccount", {"id": account_id}, admin_token)
    assert enabled.State.Name(enabled.state) == "ACTIVE"
    # Disabling ended the account's sessions.
    await accounts.fails("GetAccount", {"id": account_id}, grpc.StatusCode.UNAUTHENTICATED, token)
    # Admin only: roles.
    granted = await accounts.call(
        "GrantRole", {"account_id": account_id, "role": "admin"}, admin_token
    )
    assert list(granted.roles) == ["admin"]
    revoked = await accounts.call(
        "RevokeRole", {"account_id": account_id, "role": "admin"}, admin_token
    )
    assert list(revoked.roles) == []

    # Sessions: two logins, revoke one, then all.
    first = await accounts.call("Authenticate", {"email": "john@example.com", "password": PASSWORD})
    second = await accounts.call(
        "Authenticate", {"email": "john@example.com", "password": PASSWORD}
    )
    sessions = await accounts.call("ListSessions", {"account_id": account_id}, first.session_token)
    assert {session.id for session in sessions.sessions} == {first.session.id, second.session.id}
    await accounts.call("RevokeSession", {"session_id": second.session.id}, first.session_token)
    sessions = await accounts.call("ListSessions", {"account_id": account_id}, first.session_token)
    assert [session.id for session in sessions.sessions] == [first.session.id]
    await accounts.call("RevokeAllSessions", {"account_id": account_id}, admin_token)
    await accounts.fails(
        "ListSessions",
        {"account_id": account_id},
        grpc.StatusCode.UNAUTHENTICATED,
        first.session_token,
    )

    # Last: a new password, then the account goes.
    token = (
        await accounts.call("Authenticate", {"email": "john@example.com", "password": PASSWORD})
    ).session_token
    new_password = "a different passphrase, longer"
    await accounts.call(
        "ChangePassword",
        {"id": account_id, "current_password": PASSWORD, "new_password": new_password},
        token,
    )
    token = (
        await accounts.call("Authenticate", {"email": "john@example.com", "password": new_password})
    ).session_token
    await accounts.call("DeleteAccount", {"id": account_id}, token)
    reason = await accounts.fails(
        "GetAccount", {"id": account_id}, grpc.StatusCode.NOT_FOUND, admin_token
    )
    assert reason == "ACCOUNT_NOT_FOUND"

    assert accounts.called == {method.name for method in COMPILED.methods}
