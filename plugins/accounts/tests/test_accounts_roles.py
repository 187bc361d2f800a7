"""GrantRole and RevokeRole: admins hand out the roles plugins registered, and
Account.roles shows them."""

from __future__ import annotations

import grpc
import pytest

from crm_host import hookimpl
from crm_host.hookspecs import RegisterRole
from crm_host.testing import StartHost, TestHost

from .accounts_client import ADMIN_EMAIL, CHEAP_ACCOUNTS, Accounts, add_admin, fails

Code = grpc.StatusCode


class Auditing:
    """Another plugin, with a role of its own."""

    @hookimpl
    def register_roles(self, register: RegisterRole) -> None:
        register("audit.reader", "reads the audit log")


@pytest.fixture
async def host(crm_host: StartHost) -> TestHost:
    host = await crm_host("accounts", (Auditing(), "audit"), settings={"accounts": CHEAP_ACCOUNTS})
    await add_admin(host)
    return host


@pytest.fixture
async def admin(host: TestHost) -> Accounts:
    return await Accounts(host.channel).login(ADMIN_EMAIL)


async def test_a_granted_role_shows_on_the_account_and_changes_its_etag(admin: Accounts) -> None:
    created = await admin.create(email="jo@example.com")
    assert list(created.roles) == []
    granted = await admin.grant(created.id, "audit.reader")
    assert list(granted.roles) == ["audit.reader"]
    assert granted.etag != created.etag
    again = await admin.grant(created.id, "audit.reader")
    assert again.etag == granted.etag, "granting a held role changes nothing"
    both = await admin.grant(created.id, "admin")
    assert list(both.roles) == ["admin", "audit.reader"]
    fetched = await admin.get(created.id)
    assert list(fetched.roles) == ["admin", "audit.reader"]
    listed = await admin.page(filter='email = "jo@example.com"')
    assert [list(a.roles) for a in listed.accounts] == [["admin", "audit.reader"]]
    own = await admin.login("jo@example.com")
    signed_in = await own.authenticate("jo@example.com")
    assert list(signed_in.account.roles) == ["admin", "audit.reader"]


async def test_an_open_session_carries_a_role_from_its_next_call(admin: Accounts) -> None:
    created = await admin.create(email="jo@example.com")
    jo = await admin.login("jo@example.com")
    denied = await fails(jo.page())
    assert denied.code == Code.PERMISSION_DENIED
    await admin.grant(created.id, "admin")
    assert len((await jo.page()).accounts) == 2
    revoked = await admin.revoke(created.id, "admin")
    assert list(revoked.roles) == []
    assert (await fails(jo.page())).code == Code.PERMISSION_DENIED
    unchanged = await admin.revoke(created.id, "admin")
    assert unchanged.etag == revoked.etag, "revoking a role not held changes nothing"


async def test_only_registered_roles_can_be_granted(admin: Accounts) -> None:
    created = await admin.create(email="jo@example.com")
    error = await fails(admin.grant(created.id, "superuser"))
    assert error.code == Code.INVALID_ARGUMENT
    assert error.reason == "VALIDATION_FAILED"
    assert error.violations == [("role", "ROLE_UNKNOWN")]
    assert "ListRoles" in error.message
    assert list((await admin.get(created.id)).roles) == []


async def test_only_admins_grant_and_revoke(admin: Accounts) -> None:
    created = await admin.create(email="jo@example.com")
    jo = await admin.login("jo@example.com")
    for call in (jo.grant(created.id, "admin"), jo.revoke(created.id, "audit.reader")):
        assert (await fails(call)).code == Code.PERMISSION_DENIED
    anonymous = admin.as_caller()
    assert (await fails(anonymous.grant(created.id, "admin"))).code == Code.UNAUTHENTICATED


async def test_grant_names_a_bad_or_unknown_account(admin: Accounts) -> None:
    error = await fails(admin.grant("not-an-id", "admin"))
    assert error.code == Code.INVALID_ARGUMENT
    assert error.violations == [("account_id", "ID_INVALID")]
    missing = await fails(admin.grant("0b0f8c1e-6f7a-4c59-9a43-1d2a6f9e0c11", "admin"))
    assert missing.code == Code.NOT_FOUND
    assert missing.reason == "ACCOUNT_NOT_FOUND"
