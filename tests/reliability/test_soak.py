"""A 10,000-call mixed soak against one `crm-host serve` on SQLite.

Every call is one of a fixed set of requests, each with the one status code it
must get: good reads and writes, and bad requests (unknown ids, malformed ids,
duplicates, wrong passwords, missing credentials, missing roles). Any other
code fails the test. The server's resident memory after warm-up and at the end
must stay within 10%: a leak per call would show over thousands of calls.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import HostProcess, code_of
from reliability.load import ADMIN_EMAIL
from support.accounts import PASSWORD, Accounts
from support.hosts import CHEAP_ACCOUNTS_ENV, create_admin

CALLS = 10_000
WARM_UP = 2_000
CLIENTS = 8
RSS_GROWTH_LIMIT = 0.10
USER_EMAIL = "user@example.com"
# Thousands of wrong passwords from one peer are part of the mix, not an attack.
ENV = {
    **CHEAP_ACCOUNTS_ENV,
    "CRM_ACCOUNTS__LOGIN_MAX_FAILURES": "1000000",
    "CRM_ACCOUNTS__LOGIN_PEER_MAX_FAILURES": "1000000",
}
VM_RSS = re.compile(r"^VmRSS:\s+(\d+) kB$", re.MULTILINE)


def rss_kib(pid: int) -> int:
    match = VM_RSS.search(Path(f"/proc/{pid}/status").read_text())
    assert match is not None
    return int(match.group(1))


@dataclass(frozen=True)
class Kind:
    """One kind of request in the mix and the code it must get."""

    name: str
    expected: grpc.StatusCode
    call: Callable[[int], Awaitable[Any]]


def mix(admin: Accounts, user: Accounts, anonymous: Accounts, known_id: str) -> list[Kind]:
    code = grpc.StatusCode
    timeout = 10

    def create(email: str) -> Any:
        return anonymous.stub.CreateAccount(
            accounts_pb2.CreateAccountRequest(
                name="Soak", email=email, password=PASSWORD, request_id=str(uuid.uuid4())
            ),
            timeout=timeout,
        )

    def get(client: Accounts, account_id: str) -> Any:
        return client.stub.GetAccount(
            accounts_pb2.GetAccountRequest(id=account_id), timeout=timeout
        )

    def page(client: Accounts, token: str = "") -> Any:
        return client.stub.ListAccounts(
            accounts_pb2.ListAccountsRequest(page_size=10, page_token=token), timeout=timeout
        )

    def login(password: str) -> Any:
        return anonymous.stub.Authenticate(
            accounts_pb2.AuthenticateRequest(email=USER_EMAIL, password=password), timeout=timeout
        )

    return [
        Kind("GetAccount", code.OK, lambda _: get(admin, known_id)),
        Kind("GetAccount unknown id", code.NOT_FOUND, lambda _: get(admin, str(uuid.uuid4()))),
        Kind("GetAccount malformed id", code.INVALID_ARGUMENT, lambda _: get(admin, "nope")),
        Kind("GetAccount no token", code.UNAUTHENTICATED, lambda _: get(anonymous, known_id)),
        Kind("ListAccounts", code.OK, lambda _: page(admin)),
        Kind("ListAccounts not admin", code.PERMISSION_DENIED, lambda _: page(user)),
        Kind("ListAccounts bad token", code.INVALID_ARGUMENT, lambda _: page(admin, "garbled")),
        Kind("CreateAccount", code.OK, lambda i: create(f"soak{i}@example.com")),
        Kind("CreateAccount duplicate", code.ALREADY_EXISTS, lambda _: create(USER_EMAIL)),
        Kind("CreateAccount bad email", code.INVALID_ARGUMENT, lambda _: create("not an email")),
        Kind("Authenticate", code.OK, lambda _: login(PASSWORD)),
        Kind("Authenticate wrong password", code.UNAUTHENTICATED, lambda _: login("wrong " * 3)),
    ]


@dataclass
class Soak:
    codes: Counter[tuple[str, str]]
    unexpected: list[str]
    rss_after_warm_up: int = 0


async def soak(host: HostProcess) -> Soak:
    outcome = Soak(Counter(), [])
    pid = host.process.pid
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        anonymous = Accounts(channel)
        admin = await anonymous.login(ADMIN_EMAIL)
        known = await anonymous.create(email=USER_EMAIL)
        user = await anonymous.login(USER_EMAIL)
        kinds = mix(admin, user, anonymous, known.id)
        numbers = iter(range(CALLS))

        async def client() -> None:
            for i in numbers:
                if i == WARM_UP:
                    outcome.rss_after_warm_up = rss_kib(pid)
                kind = kinds[i % len(kinds)]
                got = await code_of(kind.call(i))
                outcome.codes[kind.name, got.name] += 1
                if got != kind.expected:
                    outcome.unexpected.append(f"{kind.name}: {got.name}")

        await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return outcome


def test_ten_thousand_mixed_calls_get_their_expected_codes_and_memory_stays_flat(
    tmp_path: Path, serve_accounts: Callable[..., HostProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'soak.db'}"
    host = serve_accounts("--database-url", url, env=ENV)
    assert create_admin(url, ADMIN_EMAIL, PASSWORD).returncode == 0

    began = time.monotonic()
    outcome = asyncio.run(soak(host))
    elapsed = time.monotonic() - began
    rss_end = rss_kib(host.process.pid)
    growth = rss_end / outcome.rss_after_warm_up - 1
    print(
        f"\nRELIABILITY soak: {CALLS} calls in {elapsed:.1f}s ({CALLS / elapsed:.0f}/s) "
        f"from {CLIENTS} clients; RSS {outcome.rss_after_warm_up} KiB after {WARM_UP} calls, "
        f"{rss_end} KiB at the end ({growth:+.1%}); unexpected {len(outcome.unexpected)}; "
        f"codes {dict(sorted(outcome.codes.items()))}"
    )
    assert sum(outcome.codes.values()) == CALLS
    assert outcome.unexpected == [], Counter(outcome.unexpected)
    assert growth < RSS_GROWTH_LIMIT, f"RSS grew {growth:.1%} after warm-up"
    assert host.terminate() == 0
