"""Identity: Authenticate, sessions, throttling, and per-RPC access policies."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
import pytest

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import StartHost, TestHost

from .accounts_client import (
    ADMIN_EMAIL,
    CHEAP_ACCOUNTS,
    CHEAP_ACCOUNTS_ENV,
    PASSWORD,
    Accounts,
    add_admin,
    create_admin,
    fails,
    query,
)

Code = grpc.StatusCode


async def start_accounts(crm_host: StartHost, **settings: str) -> TestHost:
    """A host of the accounts plugin with ``settings`` (cheap argon2 unless they say otherwise)."""
    return await crm_host("accounts", settings={"accounts": settings or CHEAP_ACCOUNTS})


async def member(accounts: Accounts, email: str) -> tuple[str, Accounts]:
    """A new ordinary account: its id and a client signed in as it."""
    created = await accounts.create(name="Mary Member", email=email)
    return created.id, await accounts.login(email)


# -- Authenticate and sessions ---------------------------------------------------


async def test_authenticate_opens_a_session_whose_token_only_hashed_is_stored(
    accounts: Accounts, crm_database_url: str
) -> None:
    created = await accounts.create(email="login@example.com")
    reply = await accounts.authenticate("LOGIN@example.com")
    assert reply.account.id == created.id
    assert len(reply.session_token) >= 43  # 256 bits in URL-safe base64
    session = reply.session
    ttl = session.expire_time.ToDatetime() - session.create_time.ToDatetime()
    assert ttl.total_seconds() == 24 * 3600
    [(stored,)] = query(
        crm_database_url, "SELECT token_hash FROM accounts_sessions WHERE id = :id", id=session.id
    )
    assert stored == hashlib.sha256(reply.session_token.encode()).hexdigest()
    dump = str(query(crm_database_url, "SELECT * FROM accounts_sessions"))
    assert reply.session_token not in dump
    me = accounts.as_caller(reply.session_token)
    assert (await me.get(created.id)).email == "login@example.com"


async def test_every_login_failure_looks_the_same(accounts: Accounts) -> None:
    created = await accounts.create(email="same@example.com")
    disabled = await accounts.create(email="disabled@example.com")
    await accounts.disable(disabled.id)
    anonymous = accounts.as_caller()
    failures = [
        await fails(anonymous.authenticate("nobody@example.com")),
        await fails(anonymous.authenticate("same@example.com", "not the password")),
        await fails(anonymous.authenticate("disabled@example.com")),
        await fails(anonymous.authenticate("not an email")),
    ]
    assert {(f.code, f.message, f.reason, f.domain, str(f.metadata)) for f in failures} == {
        (
            Code.UNAUTHENTICATED,
            "invalid email address or password",
            "INVALID_CREDENTIALS",
            "accounts.v1.AccountsService",
            "{}",
        )
    }
    assert created.id


async def test_expired_revoked_tampered_and_truncated_tokens_are_refused(
    accounts: Accounts, crm_database_url: str
) -> None:
    account_id, me = await member(accounts, "tokens@example.com")
    assert (await me.get(account_id)).id == account_id
    token = me.token
    for bad in (token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x"):
        error = await fails(accounts.as_caller(bad).get(account_id))
        assert (error.code, error.reason) == (Code.UNAUTHENTICATED, "UNAUTHENTICATED")

    import sqlalchemy

    engine = sqlalchemy.create_engine(crm_database_url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text("UPDATE accounts_sessions SET expire_time = create_time")
        )
    engine.dispose()
    assert (await fails(me.get(account_id))).code == Code.UNAUTHENTICATED

    fresh = await accounts.login("tokens@example.com")
    await fresh.stub.RevokeSession(accounts_pb2.RevokeSessionRequest(), timeout=30)
    assert (await fails(fresh.get(account_id))).code == Code.UNAUTHENTICATED


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        (("authorization", "Basic dXNlcjpwYXNz"),),
        (("authorization", "Bearer "),),
        (("authorization", "Bearer a"), ("authorization", "Bearer b")),
    ],
)
async def test_missing_or_malformed_authorization_metadata(
    accounts: Accounts, metadata: tuple[tuple[str, str], ...] | None
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await accounts.as_caller().stub._stub.GetAccount(
            accounts_pb2.GetAccountRequest(id=str(uuid.uuid4())), metadata=metadata, timeout=30
        )
    assert failure.value.code() == Code.UNAUTHENTICATED
    assert "Bearer" in (failure.value.details() or "")


async def test_list_and_revoke_sessions(accounts: Accounts) -> None:
    account_id, first = await member(accounts, "many@example.com")
    second = await accounts.login("many@example.com")
    listed = await first.stub.ListSessions(
        accounts_pb2.ListSessionsRequest(account_id=account_id), timeout=30
    )
    assert len(listed.sessions) == 2
    assert all(s.account_id == account_id for s in listed.sessions)
    await first.stub.RevokeAllSessions(
        accounts_pb2.RevokeAllSessionsRequest(account_id=account_id), timeout=30
    )
    for client in (first, second):
        assert (await fails(client.get(account_id))).code == Code.UNAUTHENTICATED


async def test_changing_the_password_ends_the_other_sessions(accounts: Accounts) -> None:
    account_id, kept = await member(accounts, "change@example.com")
    other = await accounts.login("change@example.com")
    await kept.change_password(account_id, PASSWORD, "a whole new passphrase")
    assert (await kept.get(account_id)).id == account_id
    assert (await fails(other.get(account_id))).code == Code.UNAUTHENTICATED
    assert (await fails(accounts.authenticate("change@example.com"))).code == Code.UNAUTHENTICATED
    assert (await accounts.authenticate("change@example.com", "a whole new passphrase")).session


async def test_raised_argon2_parameters_rehash_on_the_next_login(
    crm_host: StartHost, crm_database_url: str
) -> None:
    cheap = Accounts((await start_accounts(crm_host)).channel)
    await cheap.create(email="rehash@example.com")

    def stored() -> str:
        [(value,)] = query(
            crm_database_url,
            "SELECT password_hash FROM accounts WHERE email = 'rehash@example.com'",
        )
        return str(value)

    before = stored()
    assert "m=8," in before  # argon2-cffi's CHEAPEST profile
    stronger = await start_accounts(crm_host, argon2_profile="owasp-minimum")
    await Accounts(stronger.channel).authenticate("rehash@example.com")
    after = stored()
    assert after.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (await Accounts(stronger.channel).authenticate("rehash@example.com")).session


async def test_concurrent_logins_that_each_rehash_all_succeed(
    crm_host: StartHost,
) -> None:
    """Rehashing the same password races between logins; none of them may fail for it."""
    cheap = Accounts((await start_accounts(crm_host)).channel)
    await cheap.create(email="race@example.com")
    stronger = Accounts((await start_accounts(crm_host, argon2_profile="owasp-minimum")).channel)
    logins = await asyncio.gather(*(stronger.authenticate("race@example.com") for _ in range(4)))
    assert len({login.session.id for login in logins}) == 4


# -- Throttling ------------------------------------------------------------------


async def throttled_host(crm_host: StartHost, **limits: str) -> Accounts:
    host = await start_accounts(crm_host, **CHEAP_ACCOUNTS, **limits)
    return Accounts(host.channel)


async def test_repeated_failures_for_one_email_are_refused_with_retry_info(
    crm_host: StartHost,
) -> None:
    client = await throttled_host(crm_host, login_max_failures="3", login_backoff_seconds="60")
    await client.create(email="victim@example.com")
    for _ in range(3):
        assert (await fails(client.authenticate("victim@example.com", "wrong guess"))).code == (
            Code.UNAUTHENTICATED
        )
    for password in ("wrong guess", PASSWORD):
        refused = await fails(client.authenticate("victim@example.com", password))
        assert (refused.code, refused.reason) == (
            Code.RESOURCE_EXHAUSTED,
            "TOO_MANY_LOGIN_ATTEMPTS",
        )
        assert refused.retry_delay is not None
        assert 0 < refused.retry_delay <= 60


async def test_a_successful_login_clears_the_count(
    crm_host: StartHost,
) -> None:
    client = await throttled_host(crm_host, login_max_failures="3", login_backoff_seconds="60")
    await client.create(email="forgetful@example.com")
    for _ in range(2):
        await fails(client.authenticate("forgetful@example.com", "wrong guess"))
    assert (await client.authenticate("forgetful@example.com")).session_token
    for _ in range(2):
        error = await fails(client.authenticate("forgetful@example.com", "wrong guess"))
        assert error.code == Code.UNAUTHENTICATED
    assert (await client.authenticate("forgetful@example.com")).session_token


async def test_many_failures_from_one_peer_are_refused(
    crm_host: StartHost,
) -> None:
    client = await throttled_host(crm_host, login_peer_max_failures="4", login_backoff_seconds="60")
    for i in range(4):
        await fails(client.authenticate(f"guess{i}@example.com", "wrong guess"))
    refused = await fails(client.authenticate("guess9@example.com", "wrong guess"))
    assert (refused.code, refused.reason) == (Code.RESOURCE_EXHAUSTED, "TOO_MANY_LOGIN_ATTEMPTS")


# -- Access policies in accounts -------------------------------------------------


async def test_self_other_admin_and_anonymous_for_every_accounts_rpc(accounts: Accounts) -> None:
    mine, me = await member(accounts, "me@example.com")
    theirs, _ = await member(accounts, "them@example.com")
    anonymous = accounts.as_caller()

    Call = Callable[[Accounts, str], Awaitable[Any]]

    def by_id(method: str, request_type: type, field: str = "id") -> Call:
        def call(client: Accounts, target: str) -> Awaitable[Any]:
            result: Awaitable[Any] = getattr(client.stub, method)(
                request_type(**{field: target}), timeout=30
            )
            return result

        return call

    calls: dict[str, Call] = {
        "GetAccount": by_id("GetAccount", accounts_pb2.GetAccountRequest),
        "UpdateAccount": lambda client, target: client.update(
            accounts_pb2.Account(id=target, name="Renamed"), ["name"]
        ),
        "ListSessions": by_id("ListSessions", accounts_pb2.ListSessionsRequest, "account_id"),
        "RevokeAllSessions": by_id(
            "RevokeAllSessions", accounts_pb2.RevokeAllSessionsRequest, "account_id"
        ),
        "ChangePassword": lambda client, target: client.change_password(
            target, "wrong current password", "irrelevant new passphrase"
        ),
        "DeleteAccount": by_id("DeleteAccount", accounts_pb2.DeleteAccountRequest),
    }
    for name, call in calls.items():
        assert (await fails(call(anonymous, mine))).code == Code.UNAUTHENTICATED, name
        denied = await fails(call(me, theirs))
        assert (denied.code, denied.reason) == (Code.PERMISSION_DENIED, "PERMISSION_DENIED"), name
        # Permission is checked before existence: no probing for ids.
        assert (await fails(call(me, str(uuid.uuid4())))).code == Code.PERMISSION_DENIED, name
    # Self and admin may; ChangePassword then fails on the wrong current password.
    for client, target in ((me, mine), (accounts, theirs)):
        assert (await calls["GetAccount"](client, target)).id == target
        assert (await calls["UpdateAccount"](client, target)).name == "Renamed"
        listed = await calls["ListSessions"](client, target)
        assert listed.sessions
        error = await fails(calls["ChangePassword"](client, target))
        assert error.code == Code.UNAUTHENTICATED
    await calls["DeleteAccount"](accounts, theirs)
    await calls["DeleteAccount"](me, mine)

    for admin_only in (
        accounts.as_caller(me.token).page(),
        me.disable(mine),
        me.enable(mine),
    ):
        error = await fails(admin_only)
        assert error.code in (Code.PERMISSION_DENIED, Code.UNAUTHENTICATED)


async def test_admin_only_methods(accounts: Accounts) -> None:
    mine, me = await member(accounts, "plain@example.com")
    for call in (me.page(), me.disable(mine), me.enable(mine)):
        error = await fails(call)
        assert (error.code, error.reason, error.metadata) == (
            Code.PERMISSION_DENIED,
            "ROLE_REQUIRED",
            {"role": "admin"},
        )
    for call in (accounts.as_caller().page(), accounts.as_caller().disable(mine)):
        assert (await fails(call)).code == Code.UNAUTHENTICATED
    assert (await accounts.disable(mine)).state == accounts_pb2.Account.State.DISABLED
    assert len((await accounts.page()).accounts) == 2


async def test_sign_up_can_be_limited_to_admins(
    crm_host: StartHost,
) -> None:
    host = await start_accounts(crm_host, **CHEAP_ACCOUNTS, allow_signup="false")
    await add_admin(host)
    admin = await Accounts(host.channel).login(ADMIN_EMAIL)
    assert (await fails(admin.as_caller().create(email="new@example.com"))).code == (
        Code.UNAUTHENTICATED
    )
    mine, me = await member(admin, "member@example.com")
    assert mine
    assert (await fails(me.create(email="new@example.com"))).code == Code.PERMISSION_DENIED
    assert (await admin.create(email="new@example.com")).id


# -- Bootstrap -------------------------------------------------------------------


def test_create_admin_reads_the_password_from_stdin(crm_database_url: str) -> None:
    environ = {**os.environ, **CHEAP_ACCOUNTS_ENV, "CRM_PLUGINS": "accounts"}
    migrate = [sys.executable, "-m", "crm_host", "migrate", "--database-url", crm_database_url]
    subprocess.run(migrate, env=environ, capture_output=True, timeout=120, check=True)
    result = create_admin(crm_database_url, "boss@example.com", "quiet harbor lantern 2026")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("created admin account ")
    assert "harbor lantern" not in result.stdout + result.stderr
    [(roles,)] = query(
        crm_database_url, "SELECT roles FROM accounts WHERE email = 'boss@example.com'"
    )
    assert roles == "admin"


def allow_signup(environ: dict[str, str]) -> bool:
    """allow_signup as `crm-host config` shows the accounts plugin's effective settings."""
    result = subprocess.run(
        [sys.executable, "-m", "crm_host", "config", "--plugins", "accounts"],
        env={k: v for k, v in os.environ.items() if not k.startswith("CRM_")} | environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("[plugins.accounts]\n", 1)[1]
    values: list[str] = re.findall(r"^allow_signup = (true|false)\b", section, re.MULTILINE)
    assert len(values) == 1, result.stdout
    return values[0] == "true"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, True), ({"CRM_ALLOW_SIGNUP": "false"}, False), ({"CRM_ALLOW_SIGNUP": "on"}, True)],
)
def test_crm_allow_signup_is_read_from_the_environment(
    environ: dict[str, str], expected: bool
) -> None:
    assert allow_signup(environ) is expected
    # The plugin's own setting wins over the environment.
    assert allow_signup({**environ, "CRM_ACCOUNTS__ALLOW_SIGNUP": "true"}) is True


# -- Found in review: races and oracles ------------------------------------------


async def test_parallel_guesses_cannot_slip_past_the_limit(
    crm_host: StartHost,
) -> None:
    client = await throttled_host(crm_host, login_max_failures="3", login_backoff_seconds="60")
    await client.create(email="target@example.com")

    async def guess(i: int) -> grpc.StatusCode:
        try:
            await client.authenticate("target@example.com", f"guess number {i}")
        except grpc.aio.AioRpcError as error:
            return error.code()
        return Code.OK

    codes = await asyncio.gather(*(guess(i) for i in range(20)))
    checked = codes.count(Code.UNAUTHENTICATED)
    assert 1 <= checked <= 3, codes
    assert codes.count(Code.RESOURCE_EXHAUSTED) == 20 - checked


async def test_change_password_is_throttled_like_a_login(
    crm_host: StartHost,
) -> None:
    client = await throttled_host(crm_host, login_max_failures="3", login_backoff_seconds="60")
    account_id = (await client.create(email="oracle@example.com")).id
    me = await client.login("oracle@example.com")
    for i in range(3):
        error = await fails(me.change_password(account_id, f"guess {i}", "brand new passphrase"))
        assert error.code == Code.UNAUTHENTICATED
    refused = await fails(me.change_password(account_id, PASSWORD, "brand new passphrase"))
    assert (refused.code, refused.reason) == (Code.RESOURCE_EXHAUSTED, "TOO_MANY_LOGIN_ATTEMPTS")


async def test_disabling_ends_the_sessions_for_good(accounts: Accounts) -> None:
    account_id, me = await member(accounts, "paused@example.com")
    await accounts.disable(account_id)
    await accounts.enable(account_id)
    assert (await fails(me.get(account_id))).code == Code.UNAUTHENTICATED
    assert (await (await accounts.login("paused@example.com")).get(account_id)).id == account_id


async def test_a_failing_authenticator_gives_internal_without_details(
    accounts: Accounts, crm_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    account_id, me = await member(accounts, "broken@example.com")
    import sqlalchemy

    engine = sqlalchemy.create_engine(crm_database_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP TABLE accounts_sessions"))
    engine.dispose()
    with caplog.at_level(logging.ERROR, logger="crm_host"):
        error = await fails(me.get(account_id))
    assert (error.code, error.message, error.reason) == (
        Code.INTERNAL,
        "internal error",
        "INTERNAL",
    )
    assert "an authenticator raised an unexpected exception" in caplog.text
    # Public methods still answer, as if the token were absent.
    assert (await fails(me.authenticate("nobody@example.com"))).code == Code.UNAUTHENTICATED


def test_peers_are_counted_by_address_and_ipv6_by_slash_64() -> None:
    from crm_accounts.throttle import peer_bucket

    assert peer_bucket("127.0.0.1") == "127.0.0.1"
    assert peer_bucket("[2001:db8:1:2:3:4:5:6]") == "2001:db8:1:2::/64"
    assert peer_bucket("[2001:db8:1:2:ffff::1]") == "2001:db8:1:2::/64"
    assert peer_bucket("unix:/tmp/socket") == "unix:/tmp/socket"
