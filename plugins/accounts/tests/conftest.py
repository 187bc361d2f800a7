"""Fixtures of the accounts plugin's tests, on crm_host.testing's.

Every test that uses a host (``crm_host``, ``accounts_host``, ``accounts``)
or ``crm_database_url`` runs on SQLite and, when CRM_TEST_DATABASE_URL is
set, on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from crm_host.testing import HostProcess, Serve, StartHost, TestHost

from .accounts_client import ADMIN_EMAIL, CHEAP_ACCOUNTS, CHEAP_ACCOUNTS_ENV, Accounts, add_admin


@pytest.fixture
async def accounts_host(crm_host: StartHost) -> TestHost:
    """A running host serving the accounts plugin, with an admin account."""
    host = await crm_host("accounts", settings={"accounts": CHEAP_ACCOUNTS})
    await add_admin(host)
    return host


@pytest.fixture
async def accounts_web_host(crm_host: StartHost) -> TestHost:
    """``accounts_host`` with the HTTP listener (Connect, gRPC-Web) on too."""
    host = await crm_host(
        "accounts", settings={"accounts": CHEAP_ACCOUNTS}, http_listen="127.0.0.1:0"
    )
    await add_admin(host)
    return host


@pytest.fixture
async def accounts(accounts_host: TestHost) -> Accounts:
    """A client of the accounts service, signed in as the admin."""
    return await Accounts(accounts_host.channel).login(ADMIN_EMAIL)


@pytest.fixture
def serve_accounts(crm_serve: Serve) -> Callable[..., HostProcess]:
    """`crm-host serve --plugins accounts ARGS` in tmp_path, with cheap argon2 by default."""

    def serve(*args: str, env: Mapping[str, str] = CHEAP_ACCOUNTS_ENV) -> HostProcess:
        return crm_serve("accounts", *args, env=env)

    return serve
