"""Helpers of the accounts plugin's tests: a small typed client, settings, direct reads."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable
from typing import Any

import grpc.aio
import pytest
import sqlalchemy
from google.protobuf import field_mask_pb2

import crm_accounts.plugin
from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.events import publisher
from crm_accounts.settings import AccountsSettings
from crm_host.testing import RichError, TestHost, rich_error

PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "admin@example.com"

# argon2's cheapest parameters keep the suite fast; production defaults are tested
# by the benchmarks, not here.
CHEAP_ACCOUNTS = {"argon2_profile": "insecure-test-only"}
CHEAP_ACCOUNTS_ENV = {"CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"}


async def add_admin(host: TestHost) -> None:
    """Create the admin account (ADMIN_EMAIL) on ``host``, as create-admin does."""
    controller = crm_accounts.plugin.controller_for(
        host.database,
        AccountsSettings.model_validate(CHEAP_ACCOUNTS),
        publisher(host.kit, host.events),
    )
    await controller.create_account("Admin", ADMIN_EMAIL, PASSWORD, roles=frozenset({"admin"}))


class Accounts:
    """Calls the accounts service, as the holder of ``token`` when one is given."""

    def __init__(self, channel: grpc.aio.Channel, token: str = "") -> None:
        self.channel = channel
        self.token = token
        self.stub: Any = _Authorized(accounts_pb2_grpc.AccountsServiceStub(channel), token)

    def as_caller(self, token: str = "") -> Accounts:
        """The same service, called with another token (or none)."""
        return Accounts(self.channel, token)

    async def login(self, email: str, password: str = PASSWORD) -> Accounts:
        """Authenticate and return a client that calls as that account."""
        reply = await self.authenticate(email, password)
        return self.as_caller(reply.session_token)

    async def authenticate(
        self, email: str, password: str = PASSWORD
    ) -> accounts_pb2.AuthenticateResponse:
        reply: accounts_pb2.AuthenticateResponse = await self.stub.Authenticate(
            accounts_pb2.AuthenticateRequest(email=email, password=password), timeout=30
        )
        return reply

    async def create(
        self,
        name: str = "John Doe",
        email: str = "john@example.com",
        password: str = PASSWORD,
        request_id: str = "",
    ) -> accounts_pb2.CreateAccountResponse:
        reply: accounts_pb2.CreateAccountResponse = await self.stub.CreateAccount(
            accounts_pb2.CreateAccountRequest(
                name=name, email=email, password=password, request_id=request_id
            ),
            timeout=30,
        )
        return reply

    async def get(self, account_id: str) -> accounts_pb2.Account:
        reply: accounts_pb2.Account = await self.stub.GetAccount(
            accounts_pb2.GetAccountRequest(id=account_id), timeout=30
        )
        return reply

    async def page(self, **request: Any) -> accounts_pb2.ListAccountsResponse:
        reply: accounts_pb2.ListAccountsResponse = await self.stub.ListAccounts(
            accounts_pb2.ListAccountsRequest(**request), timeout=30
        )
        return reply

    async def walk(self, page_size: int, **request: Any) -> list[accounts_pb2.Account]:
        """Every account, page by page, until next_page_token is empty."""
        accounts: list[accounts_pb2.Account] = []
        token = ""
        while True:
            page = await self.page(page_size=page_size, page_token=token, **request)
            assert len(page.accounts) <= page_size
            accounts += page.accounts
            token = page.next_page_token
            if not token:
                return accounts

    async def update(
        self, account: accounts_pb2.Account, paths: list[str] | None = None
    ) -> accounts_pb2.Account:
        mask = field_mask_pb2.FieldMask(paths=paths or [])
        reply: accounts_pb2.Account = await self.stub.UpdateAccount(
            accounts_pb2.UpdateAccountRequest(account=account, update_mask=mask), timeout=30
        )
        return reply

    async def delete(self, account_id: str) -> None:
        await self.stub.DeleteAccount(accounts_pb2.DeleteAccountRequest(id=account_id), timeout=30)

    async def disable(self, account_id: str) -> accounts_pb2.Account:
        reply: accounts_pb2.Account = await self.stub.DisableAccount(
            accounts_pb2.DisableAccountRequest(id=account_id), timeout=30
        )
        return reply

    async def enable(self, account_id: str) -> accounts_pb2.Account:
        reply: accounts_pb2.Account = await self.stub.EnableAccount(
            accounts_pb2.EnableAccountRequest(id=account_id), timeout=30
        )
        return reply

    async def grant(self, account_id: str, role: str) -> accounts_pb2.Account:
        reply: accounts_pb2.Account = await self.stub.GrantRole(
            accounts_pb2.GrantRoleRequest(account_id=account_id, role=role), timeout=30
        )
        return reply

    async def revoke(self, account_id: str, role: str) -> accounts_pb2.Account:
        reply: accounts_pb2.Account = await self.stub.RevokeRole(
            accounts_pb2.RevokeRoleRequest(account_id=account_id, role=role), timeout=30
        )
        return reply

    async def change_password(self, account_id: str, current: str, new: str) -> None:
        await self.stub.ChangePassword(
            accounts_pb2.ChangePasswordRequest(
                id=account_id, current_password=current, new_password=new
            ),
            timeout=30,
        )


class _Authorized:
    """A stub whose calls carry ``authorization: Bearer <token>``."""

    def __init__(self, stub: Any, token: str) -> None:
        self._stub = stub
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._stub, method)

        def invoke(request: Any, **kwargs: Any) -> Any:
            return call(request, metadata=self._metadata, **kwargs)

        return invoke


async def fails(call: Awaitable[Any]) -> RichError:
    """Await ``call``, which must fail; return its decoded error."""
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    return rich_error(failure.value)


def create_admin(database_url: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    """`crm-host accounts create-admin` against ``database_url``, password on stdin."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "crm_host",
            "accounts",
            "create-admin",
            "--email",
            email,
            "--database-url",
            database_url,
        ],
        input=f"{password}\n",
        env={**os.environ, **CHEAP_ACCOUNTS_ENV, "CRM_PLUGINS": "accounts"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def query(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from the database, bypassing the host."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql), params)]
    finally:
        engine.dispose()
