"""Security fixes of the accounts plugin (issue 11), over the wire, on SQLite and PostgreSQL.

Self-contained: it uses crm_host's public test fixtures, crm_accounts, grpc,
and the small helpers below. Every database test runs on a SQLite file and,
when CRM_TEST_DATABASE_URL is set, on PostgreSQL in a schema of its own; an
unreachable PostgreSQL server then fails the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
import sqlalchemy
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy.engine import make_url

import crm_accounts.plugin
from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_host.testing import TestHost, start_test_host, stop_test_host

Code = grpc.StatusCode
ACCOUNTS = (crm_accounts.plugin, "accounts")
# argon2's cheapest parameters keep these tests fast.
CHEAP = {"argon2_profile": "insecure-test-only"}
PASSWORD = "correct horse battery staple"

# -- Databases -------------------------------------------------------------------

POSTGRESQL_URL = os.environ.get("CRM_TEST_DATABASE_URL", "")
ENGINES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRESQL_URL, reason="CRM_TEST_DATABASE_URL is not set"),
    ),
]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.db'}"
        return
    # No skip here: with CRM_TEST_DATABASE_URL set, an unreachable server is an error.
    admin = sqlalchemy.create_engine(POSTGRESQL_URL)
    schema = f"crm_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(POSTGRESQL_URL).update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def query(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, read straight from the database."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql), params)]
    finally:
        engine.dispose()


# -- Hosts and calls -------------------------------------------------------------

StartAccounts = Callable[..., Awaitable["Client"]]


@pytest.fixture
async def start_accounts(database_url: str) -> AsyncIterator[StartAccounts]:
    """Start a host serving the accounts plugin on ``database_url``; a client of it."""
    started: list[TestHost] = []

    async def start(**settings: object) -> Client:
        host = await start_test_host([ACCOUNTS], database_url, {"accounts": {**CHEAP, **settings}})
        started.append(host)
        return Client(host)

    yield start
    for host in started:
        await stop_test_host(host)


class Client:
    """Anonymous calls to a test host's accounts service."""

    def __init__(self, host: TestHost) -> None:
        self.host = host
        self.stub: Any = accounts_pb2_grpc.AccountsServiceStub(host.channel)

    async def create(
        self,
        email: str,
        password: str = PASSWORD,
        request_id: str = "",
        name: str = "Ada Lovelace",
    ) -> accounts_pb2.CreateAccountResponse:
        reply: accounts_pb2.CreateAccountResponse = await self.stub.CreateAccount(
            accounts_pb2.CreateAccountRequest(
                name=name, email=email, password=password, request_id=request_id
            ),
            timeout=30,
        )
        return reply

    async def authenticate(
        self, email: str, password: str = PASSWORD
    ) -> accounts_pb2.AuthenticateResponse:
        reply: accounts_pb2.AuthenticateResponse = await self.stub.Authenticate(
            accounts_pb2.AuthenticateRequest(email=email, password=password), timeout=30
        )
        return reply


@dataclass(frozen=True)
class Refusal:
    code: grpc.StatusCode
    message: str
    reason: str
    # (field, reason) of each BadRequest field violation.
    violations: list[tuple[str, str]]
    # Seconds, from google.rpc.RetryInfo; None without one.
    retry_delay: float | None


async def refusal(call: Awaitable[object]) -> Refusal:
    """Await ``call``, which must fail; its status and rich details (AIP-193)."""
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    error = failure.value
    status = rpc_status.from_call(error)
    assert status is not None, f"no rich status in {error!r}"
    reasons, violations, delays = [], [], []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reasons.append(info.reason)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations += [(v.field, v.reason) for v in bad.field_violations]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            delays.append(retry.retry_delay.ToTimedelta().total_seconds())
    assert len(reasons) == 1, "AIP-193: exactly one ErrorInfo"
    return Refusal(
        code=error.code(),
        message=error.details() or "",
        reason=reasons[0],
        violations=violations,
        retry_delay=delays[0] if delays else None,
    )


# -- 1. request_id replays are throttled like logins ------------------------------


async def test_replays_with_a_wrong_password_are_throttled_like_logins(
    start_accounts: StartAccounts,
) -> None:
    client = await start_accounts(login_max_failures=3, login_backoff_seconds=60)
    request_id = str(uuid.uuid4())
    await client.create("victim@example.com", request_id=request_id)
    for i in range(3):
        guess = await refusal(
            client.create("victim@example.com", f"guess number {i}", request_id=request_id)
        )
        assert (guess.code, guess.violations) == (
            Code.INVALID_ARGUMENT,
            [("request_id", "REQUEST_ID_REUSED")],
        )
    # Over the limit: further replays are refused before the password is checked...
    for password in ("guess number 3", PASSWORD):
        throttled = await refusal(
            client.create("victim@example.com", password, request_id=request_id)
        )
        assert (throttled.code, throttled.reason) == (
            Code.RESOURCE_EXHAUSTED,
            "TOO_MANY_LOGIN_ATTEMPTS",
        )
        assert throttled.retry_delay is not None
        assert 0 < throttled.retry_delay <= 60
    # ...and they counted against the email's logins from this peer.
    login = await refusal(client.authenticate("victim@example.com"))
    assert (login.code, login.reason) == (Code.RESOURCE_EXHAUSTED, "TOO_MANY_LOGIN_ATTEMPTS")


async def test_replays_with_a_wrong_password_count_against_the_peer(
    start_accounts: StartAccounts,
) -> None:
    client = await start_accounts(
        login_max_failures=100, login_peer_max_failures=3, login_backoff_seconds=60
    )
    request_id = str(uuid.uuid4())
    await client.create("target@example.com", request_id=request_id)
    for i in range(3):
        guess = await refusal(
            client.create("target@example.com", f"guess number {i}", request_id=request_id)
        )
        assert guess.violations == [("request_id", "REQUEST_ID_REUSED")]
    other = await refusal(client.authenticate("someone.else@example.com", "a wild guess"))
    assert (other.code, other.reason) == (Code.RESOURCE_EXHAUSTED, "TOO_MANY_LOGIN_ATTEMPTS")


async def test_a_correct_replay_returns_the_account_and_gives_its_attempt_back(
    start_accounts: StartAccounts,
) -> None:
    client = await start_accounts(login_max_failures=3, login_backoff_seconds=60)
    request_id = str(uuid.uuid4())
    first = await client.create("forgetful@example.com", request_id=request_id)
    for i in range(2):
        guess = await refusal(
            client.create("forgetful@example.com", f"guess number {i}", request_id=request_id)
        )
        assert guess.violations == [("request_id", "REQUEST_ID_REUSED")]
    again = await client.create("forgetful@example.com", request_id=request_id)
    assert again == first
    # The count was cleared, as a successful login clears it: two more failures
    # are still checked, and the right password still logs in.
    for i in range(2):
        login = await refusal(client.authenticate("forgetful@example.com", f"guess {i}"))
        assert (login.code, login.reason) == (Code.UNAUTHENTICATED, "INVALID_CREDENTIALS")
    assert (await client.authenticate("forgetful@example.com")).account.id == first.id


async def test_parallel_identical_retries_share_one_check(start_accounts: StartAccounts) -> None:
    # One failure allowed: without sharing, a second check in flight would be refused.
    client = await start_accounts(login_max_failures=1, login_backoff_seconds=60)
    request_id = str(uuid.uuid4())
    first = await client.create("eager@example.com", request_id=request_id)
    replies = await asyncio.gather(
        *(client.create("eager@example.com", request_id=request_id) for _ in range(8))
    )
    assert all(reply == first for reply in replies)
    # Distinct guesses are still checked one by one, each counted.
    guess = await refusal(
        client.create("eager@example.com", "guess number 1", request_id=request_id)
    )
    assert guess.violations == [("request_id", "REQUEST_ID_REUSED")]
    throttled = await refusal(
        client.create("eager@example.com", "guess number 2", request_id=request_id)
    )
    assert (throttled.code, throttled.reason) == (
        Code.RESOURCE_EXHAUSTED,
        "TOO_MANY_LOGIN_ATTEMPTS",
    )
