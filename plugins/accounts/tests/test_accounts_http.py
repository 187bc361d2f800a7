"""Every accounts method over the host's HTTP listener: Connect JSON and binary, gRPC-Web.

Successes answer what the gRPC port answers; each error is compared with
the same call on the gRPC port: the same code, message and details.
"""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import grpc.aio
import httpx
import pytest
from google.protobuf import empty_pb2, field_mask_pb2
from google.protobuf.message import Message

from crm_accounts._proto.accounts.v1 import accounts_pb2 as pb
from crm_host.testing import WEB_PROTOCOLS, RichError, TestHost, rich_error, web_call

from .accounts_client import ADMIN_EMAIL, PASSWORD

SERVICE = "/accounts.v1.AccountsService/"
DOMAIN = "accounts.v1.AccountsService"
Code = grpc.StatusCode


class Both:
    """Calls a method over HTTP in one protocol, and when it fails, over gRPC too."""

    def __init__(self, host: TestHost, client: httpx.AsyncClient, protocol: str) -> None:
        self.host = host
        self.client = client
        self.protocol = protocol
        self.token = ""

    def _metadata(self, token: str | None) -> tuple[tuple[str, str], ...]:
        token = self.token if token is None else token
        return (("authorization", f"Bearer {token}"),) if token else ()

    async def ok(
        self, method: str, request: Message, response_class: type[Message], token: str | None = None
    ) -> Any:
        reply = await web_call(
            self.client,
            SERVICE + method,
            request,
            response_class,
            self.protocol,
            metadata=self._metadata(token),
        )
        assert reply.code == Code.OK, (method, reply.code, reply.message)
        assert "x-request-id" in reply.trailers
        return reply.response

    async def fails(
        self, method: str, request: Message, response_class: type[Message], token: str | None = None
    ) -> RichError:
        """The error over HTTP, checked to be the error the gRPC port gives."""
        metadata = self._metadata(token)
        reply = await web_call(
            self.client, SERVICE + method, request, response_class, self.protocol, metadata
        )
        assert reply.error is not None, (method, reply.code)
        call = self.host.channel.unary_unary(
            SERVICE + method,
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_class.FromString,
        )
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(request, metadata=metadata, timeout=30)
        assert reply.error == rich_error(failure.value)
        return reply.error


@pytest.mark.parametrize("protocol", WEB_PROTOCOLS)
async def test_every_accounts_method_over_http(accounts_web_host: TestHost, protocol: str) -> None:
    host = accounts_web_host
    async with httpx.AsyncClient(base_url=host.http_url) as client:
        both = Both(host, client, protocol)
        await scenario(both)


async def scenario(both: Both) -> None:
    # Authenticate
    wrong = await both.fails(
        "Authenticate",
        pb.AuthenticateRequest(email=ADMIN_EMAIL, password="wrong"),
        pb.AuthenticateResponse,
    )
    assert (wrong.code, wrong.reason, wrong.domain) == (
        Code.UNAUTHENTICATED,
        "INVALID_CREDENTIALS",
        DOMAIN,
    )
    signed_in = await both.ok(
        "Authenticate",
        pb.AuthenticateRequest(email=ADMIN_EMAIL, password=PASSWORD),
        pb.AuthenticateResponse,
    )
    assert signed_in.account.email == ADMIN_EMAIL
    both.token = signed_in.session_token

    # CreateAccount
    created = await both.ok(
        "CreateAccount",
        pb.CreateAccountRequest(name="Jo", email="jo@example.com", password=PASSWORD),
        pb.CreateAccountResponse,
    )
    assert (created.name, created.state) == ("Jo", pb.Account.ACTIVE)
    duplicate = await both.fails(
        "CreateAccount",
        pb.CreateAccountRequest(name="Jo", email="jo@example.com", password=PASSWORD),
        pb.CreateAccountResponse,
    )
    assert (duplicate.code, duplicate.reason) == (Code.ALREADY_EXISTS, "EMAIL_ALREADY_EXISTS")
    invalid = await both.fails(
        "CreateAccount",
        pb.CreateAccountRequest(name="", email="not an email", password="x"),
        pb.CreateAccountResponse,
    )
    assert (invalid.code, invalid.reason) == (Code.INVALID_ARGUMENT, "VALIDATION_FAILED")
    assert {field for field, _ in invalid.violations} >= {"name", "email", "password"}

    # GetAccount
    got = await both.ok("GetAccount", pb.GetAccountRequest(id=created.id), pb.Account)
    assert got.email == "jo@example.com"
    anonymous = await both.fails(
        "GetAccount", pb.GetAccountRequest(id=created.id), pb.Account, token=""
    )
    assert (anonymous.code, anonymous.reason) == (Code.UNAUTHENTICATED, "UNAUTHENTICATED")
    missing = await both.fails("GetAccount", pb.GetAccountRequest(id=str(uuid.uuid4())), pb.Account)
    assert (missing.code, missing.reason) == (Code.NOT_FOUND, "ACCOUNT_NOT_FOUND")
    malformed = await both.fails("GetAccount", pb.GetAccountRequest(id="nope"), pb.Account)
    assert (malformed.code, malformed.violations) == (Code.INVALID_ARGUMENT, [("id", "ID_INVALID")])

    # ListAccounts
    listed = await both.ok(
        "ListAccounts", pb.ListAccountsRequest(page_size=10), pb.ListAccountsResponse
    )
    assert {a.email for a in listed.accounts} == {ADMIN_EMAIL, "jo@example.com"}
    bad_page = await both.fails(
        "ListAccounts", pb.ListAccountsRequest(page_token="garbage"), pb.ListAccountsResponse
    )
    assert bad_page.code == Code.INVALID_ARGUMENT

    # UpdateAccount
    stale = await both.fails(
        "UpdateAccount",
        pb.UpdateAccountRequest(
            account=pb.Account(id=created.id, name="Joanna", etag='"stale"'),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        ),
        pb.Account,
    )
    assert (stale.code, stale.reason) == (Code.ABORTED, "ETAG_MISMATCH")
    updated = await both.ok(
        "UpdateAccount",
        pb.UpdateAccountRequest(
            account=pb.Account(id=created.id, name="Joanna", etag=got.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        ),
        pb.Account,
    )
    assert updated.name == "Joanna"

    # DisableAccount, EnableAccount
    disabled = await both.ok("DisableAccount", pb.DisableAccountRequest(id=created.id), pb.Account)
    assert disabled.state == pb.Account.DISABLED
    enabled = await both.ok("EnableAccount", pb.EnableAccountRequest(id=created.id), pb.Account)
    assert enabled.state == pb.Account.ACTIVE
    for method, request_class in (
        ("DisableAccount", pb.DisableAccountRequest),
        ("EnableAccount", pb.EnableAccountRequest),
    ):
        absent = await both.fails(method, request_class(id=str(uuid.uuid4())), pb.Account)
        assert (absent.code, absent.reason) == (Code.NOT_FOUND, "ACCOUNT_NOT_FOUND")

    # GrantRole, RevokeRole
    granted = await both.ok(
        "GrantRole", pb.GrantRoleRequest(account_id=created.id, role="admin"), pb.Account
    )
    assert list(granted.roles) == ["admin"]
    revoked = await both.ok(
        "RevokeRole", pb.RevokeRoleRequest(account_id=created.id, role="admin"), pb.Account
    )
    assert list(revoked.roles) == []
    unknown_role = await both.fails(
        "GrantRole", pb.GrantRoleRequest(account_id=created.id, role="wizard"), pb.Account
    )
    assert unknown_role.code == Code.INVALID_ARGUMENT
    jo = await both.ok(
        "Authenticate",
        pb.AuthenticateRequest(email="jo@example.com", password=PASSWORD),
        pb.AuthenticateResponse,
    )
    not_admin = await both.fails(
        "RevokeRole",
        pb.RevokeRoleRequest(account_id=created.id, role="admin"),
        pb.Account,
        token=jo.session_token,
    )
    assert (not_admin.code, not_admin.reason) == (Code.PERMISSION_DENIED, "ROLE_REQUIRED")

    # ChangePassword
    new_password = PASSWORD + " and more"
    mistaken = await both.fails(
        "ChangePassword",
        pb.ChangePasswordRequest(
            id=created.id, current_password="wrong", new_password=new_password
        ),
        empty_pb2.Empty,
        token=jo.session_token,
    )
    assert mistaken.code == Code.UNAUTHENTICATED
    await both.ok(
        "ChangePassword",
        pb.ChangePasswordRequest(
            id=created.id, current_password=PASSWORD, new_password=new_password
        ),
        empty_pb2.Empty,
        token=jo.session_token,
    )
    jo = await both.ok(
        "Authenticate",
        pb.AuthenticateRequest(email="jo@example.com", password=new_password),
        pb.AuthenticateResponse,
    )

    # ListSessions, RevokeSession, RevokeAllSessions
    sessions = await both.ok(
        "ListSessions",
        pb.ListSessionsRequest(account_id=created.id),
        pb.ListSessionsResponse,
        token=jo.session_token,
    )
    assert jo.session.id in {s.id for s in sessions.sessions}
    bad_session = await both.fails(
        "RevokeSession", pb.RevokeSessionRequest(session_id="nope"), empty_pb2.Empty
    )
    assert (bad_session.code, bad_session.violations) == (
        Code.INVALID_ARGUMENT,
        [("session_id", "ID_INVALID")],
    )
    await both.ok(
        "RevokeSession", pb.RevokeSessionRequest(session_id=jo.session.id), empty_pb2.Empty
    )
    gone = await both.fails(
        "ListSessions",
        pb.ListSessionsRequest(account_id=created.id),
        pb.ListSessionsResponse,
        token=jo.session_token,
    )
    assert gone.code == Code.UNAUTHENTICATED
    await both.ok(
        "RevokeAllSessions", pb.RevokeAllSessionsRequest(account_id=created.id), empty_pb2.Empty
    )
    bad_account = await both.fails(
        "RevokeAllSessions", pb.RevokeAllSessionsRequest(account_id="nope"), empty_pb2.Empty
    )
    assert (bad_account.code, bad_account.violations) == (
        Code.INVALID_ARGUMENT,
        [("account_id", "ID_INVALID")],
    )

    # DeleteAccount
    await both.ok("DeleteAccount", pb.DeleteAccountRequest(id=created.id), empty_pb2.Empty)
    deleted = await both.fails(
        "DeleteAccount", pb.DeleteAccountRequest(id=created.id), empty_pb2.Empty
    )
    assert (deleted.code, deleted.reason) == (Code.NOT_FOUND, "ACCOUNT_NOT_FOUND")
