"""The README's grpcurl commands against the accounts plugin, with the real grpcurl binary.

Discovery by reflection (list, describe), sign-up, sign-in and calls with a
bearer token, the admin's filtered list, and the rich error details grpcurl
shows. The host's own grpcurl tests, on test plugins, are tests/test_grpcurl.py.
"""

from __future__ import annotations

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2

import crm_accounts.plugin
from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.events import publisher
from crm_accounts.settings import AccountsSettings
from crm_host.testing import HOST_SERVICES, StartHost, TestHost
from support.grpcurl import (
    Grpcurl,
    assert_describes_messages,
    assert_describes_service,
    details,
    enums_of,
    messages_of,
    path,
)

ADMIN_EMAIL = "admin@example.com"
PASSWORD = "correct horse battery staple"
# argon2's cheapest parameters keep the suite fast.
CHEAP_ACCOUNTS = {"argon2_profile": "insecure-test-only"}
ACCOUNTS = accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"]
HEALTH = health_pb2.DESCRIPTOR.services_by_name["Health"]

# The API's shape does not depend on the database: list and describe run on
# SQLite only, which keeps the number of grpcurl processes down.
SQLITE_ONLY = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def accounts_host(crm_host: StartHost) -> TestHost:
    """The installed accounts plugin on a host, with an admin account."""
    host = await crm_host("accounts", settings={"accounts": CHEAP_ACCOUNTS})
    controller = crm_accounts.plugin.controller_for(
        host.database,
        AccountsSettings.model_validate(CHEAP_ACCOUNTS),
        publisher(host.kit, host.events),
    )
    await controller.create_account("Admin", ADMIN_EMAIL, PASSWORD, roles=frozenset({"admin"}))
    return host


@pytest.fixture
def grpcurl(accounts_host: TestHost) -> Grpcurl:
    return Grpcurl(accounts_host.port)


@SQLITE_ONLY
async def test_list_shows_the_accounts_health_and_reflection_services(grpcurl: Grpcurl) -> None:
    """As the README says `list` prints, for a host serving the accounts plugin."""
    assert set((await grpcurl.text("list")).split()) == {ACCOUNTS.full_name, *HOST_SERVICES}


@SQLITE_ONLY
async def test_list_of_the_accounts_service_shows_every_method(grpcurl: Grpcurl) -> None:
    # grpcurl sorts by name.
    listed = (await grpcurl.text("list", ACCOUNTS.full_name)).split()
    assert listed == sorted(f"{ACCOUNTS.full_name}.{method.name}" for method in ACCOUNTS.methods)


@SQLITE_ONLY
async def test_describe_the_accounts_service(grpcurl: Grpcurl) -> None:
    await assert_describes_service(grpcurl, ACCOUNTS)


@SQLITE_ONLY
async def test_describe_every_accounts_message_and_enum(grpcurl: Grpcurl) -> None:
    messages = list(messages_of(accounts_pb2.DESCRIPTOR))
    enums = list(enums_of(accounts_pb2.DESCRIPTOR))
    # The walk really found the API: the seed's messages and the nested enum.
    assert {"accounts.v1.CreateAccountRequest", "accounts.v1.Account"} <= {
        m.full_name for m in messages
    }
    assert [e.full_name for e in enums] == ["accounts.v1.Account.State"]
    await assert_describes_messages(grpcurl, messages, enums)


async def test_create_authenticate_and_get_with_a_bearer_token(
    grpcurl: Grpcurl, accounts_host: TestHost
) -> None:
    created = await grpcurl.call(
        path(ACCOUNTS, "CreateAccount"),
        {"name": "John Doe", "email": "john@example.com", "password": PASSWORD},
    )
    assert created["name"] == "John Doe"
    assert created["email"] == "john@example.com"
    assert created["state"] == "ACTIVE"
    assert created["id"]
    assert "password" not in created

    signed_in = await grpcurl.call(
        path(ACCOUNTS, "Authenticate"), {"email": "john@example.com", "password": PASSWORD}
    )
    token = signed_in["session_token"]
    assert token
    assert signed_in["account"]["id"] == created["id"]
    assert signed_in["session"]["account_id"] == created["id"]
    # The account grpcurl created is there for a client built from the generated code.
    stub = accounts_pb2_grpc.AccountsServiceStub(accounts_host.channel)
    fetched_by_stub = await stub.GetAccount(
        accounts_pb2.GetAccountRequest(id=created["id"]),
        metadata=(("authorization", f"Bearer {token}"),),
        timeout=30,
    )
    assert fetched_by_stub.email == "john@example.com"

    fetched = await grpcurl.call(path(ACCOUNTS, "GetAccount"), {"id": created["id"]}, token=token)
    assert fetched == {key: created[key] for key in fetched}
    assert fetched["etag"] == created["etag"]

    # The same call without the token is refused.
    await grpcurl.fail(
        path(ACCOUNTS, "GetAccount"), {"id": created["id"]}, grpc.StatusCode.UNAUTHENTICATED
    )


async def test_admin_lists_accounts_with_a_filter(grpcurl: Grpcurl) -> None:
    signed_in = await grpcurl.call(
        path(ACCOUNTS, "Authenticate"), {"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    page = await grpcurl.call(
        path(ACCOUNTS, "ListAccounts"),
        {"page_size": 10, "filter": "state = ACTIVE"},
        token=signed_in["session_token"],
    )
    assert [account["email"] for account in page["accounts"]] == [ADMIN_EMAIL]


async def test_errors_show_their_error_info_and_bad_request(grpcurl: Grpcurl) -> None:
    report = await grpcurl.fail(
        path(ACCOUNTS, "CreateAccount"),
        {"name": "", "email": "john@example.com", "password": "password"},
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "Message: invalid request: name: must not be empty" in report
    shown = {detail["@type"]: detail for detail in details(report)}
    assert shown["type.googleapis.com/google.rpc.ErrorInfo"] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "VALIDATION_FAILED",
        "domain": ACCOUNTS.full_name,
    }
    violations = shown["type.googleapis.com/google.rpc.BadRequest"]["field_violations"]
    assert ("name", "NAME_EMPTY") in {(v["field"], v["reason"]) for v in violations}


async def test_refusals_show_their_error_info(grpcurl: Grpcurl) -> None:
    report = await grpcurl.fail(
        path(ACCOUNTS, "Authenticate"),
        {"email": ADMIN_EMAIL, "password": "wrong password"},
        grpc.StatusCode.UNAUTHENTICATED,
    )
    [info] = details(report)
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "INVALID_CREDENTIALS"
    assert info["domain"] == ACCOUNTS.full_name
