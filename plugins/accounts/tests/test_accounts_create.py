"""accounts.v1.AccountsService/CreateAccount over the wire, on a real SQLite file."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import argon2
import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.passwords import HASHING_NICENESS, PasswordHasher
from crm_accounts.settings import AccountsSettings
from crm_host.testing import HostProcess, StartHost, rich_error

from .accounts_client import CHEAP_ACCOUNTS, PASSWORD, query

# The generated stub is untyped.
Stub: TypeAlias = Any


@pytest.fixture
async def stub(crm_host: StartHost) -> Stub:
    host = await crm_host("accounts", settings={"accounts": CHEAP_ACCOUNTS})
    return accounts_pb2_grpc.AccountsServiceStub(host.channel)


async def create(
    stub: Stub, name: str = "John Doe", email: str = "john@example.com", password: str = PASSWORD
) -> accounts_pb2.CreateAccountResponse:
    reply: accounts_pb2.CreateAccountResponse = await stub.CreateAccount(
        accounts_pb2.CreateAccountRequest(name=name, email=email, password=password), timeout=30
    )
    return reply


async def create_error(stub: Stub, **fields: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await create(stub, **fields)
    return failure.value


def stored_rows(database_url: str) -> list[tuple[Any, ...]]:
    return query(
        database_url, "SELECT id, name, email, email_canonical, password_hash FROM accounts"
    )


async def test_create_returns_the_stored_account(stub: Stub, crm_database_url: str) -> None:
    reply = await create(stub, name="  John Doe  ", email="John.Doe@EXAMPLE.com")
    assert uuid.UUID(reply.id).version == 4
    assert reply.name == "John Doe"
    assert reply.email == "John.Doe@example.com"
    [(row_id, name, email, canonical, password_hash)] = stored_rows(crm_database_url)
    assert (row_id, name, email, canonical) == (
        reply.id,
        "John Doe",
        "John.Doe@example.com",
        "john.doe@example.com",
    )
    assert password_hash.startswith("$argon2id$")
    assert argon2.PasswordHasher().verify(password_hash, PASSWORD)


async def test_ids_are_distinct(stub: Stub) -> None:
    first = await create(stub, email="a@example.com")
    second = await create(stub, email="b@example.com")
    assert first.id != second.id


INVALID = [
    ("name", {"name": ""}, "name: must not be empty"),
    ("name", {"name": " \t "}, "name: must not be empty"),
    ("name", {"name": "x" * 201}, "name: must be at most 200 characters"),
    ("name", {"name": "Bob\x00Tables"}, "name: must not contain control characters"),
    ("email", {"email": ""}, "email: must not be empty"),
    ("email", {"email": "john.example.com"}, "email: not a valid email address"),
    ("email", {"email": "john@"}, "email: not a valid email address"),
    ("email", {"email": "a" * 243 + "@example.com"}, "email: must be at most 254 characters"),
    ("password", {"password": "seven77"}, "password: must be 8 to 1024 characters long"),
    ("password", {"password": "p" * 1025}, "password: must be 8 to 1024 characters long"),
]


@pytest.mark.parametrize(
    ("field", "fields", "message"), INVALID, ids=[f"{i[0]}-{n}" for n, i in enumerate(INVALID)]
)
async def test_invalid_field_gives_invalid_argument_naming_it(
    stub: Stub, field: str, fields: dict[str, str], message: str
) -> None:
    error = await create_error(stub, **fields)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error.details() or ""
    assert message in details
    others = {"name", "email", "password"} - {field}
    assert not any(f"{other}:" in details for other in others)


async def test_every_invalid_field_is_reported_at_once(stub: Stub) -> None:
    error = await create_error(stub, name="", email="nope", password="short")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error.details() or ""
    assert details.startswith("invalid request: ")
    for field in ("name:", "email:", "password:"):
        assert field in details
    assert "short" not in details


@pytest.mark.parametrize(
    "password",
    ["x7Qm2pLa", "Zq9" * 341 + "W", "ｘ７Ｑｍ２ｐＬａ", "🔑 open sesame 🔒", "  spaced  out  "],
)
async def test_passwords_at_the_limits_and_any_characters_are_accepted(
    stub: Stub, password: str
) -> None:
    reply = await create(stub, password=password)
    assert reply.id


async def test_password_length_counts_code_points_after_nfkc(stub: Stub) -> None:
    # "ﬀ" is one code point and "ff" after NFKC: 7 code points that count as 8.
    assert (await create(stub, email="lig@example.com", password="ﬀqz7Xw!")).id
    # "e" + U+0301 composes into "é": 8 code points that count as 7.
    error = await create_error(stub, email="comb@example.com", password="e\u0301xq7W!z")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "password: must be 8 to 1024 characters long" in (error.details() or "")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Alice@Example.com", "alice@example.COM"),
        ("ÄBC@example.com", "äbc@example.com"),
        ("straße@example.com", "STRASSE@example.com"),
        ("Ωmega@example.com", "ωMEGA@EXAMPLE.COM"),
    ],
)
async def test_duplicate_email_in_another_case_gives_already_exists(
    stub: Stub, first: str, second: str
) -> None:
    await create(stub, email=first)
    error = await create_error(stub, email=second)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == "an account with this email address already exists"


async def test_concurrent_creates_of_one_email_give_one_account(
    stub: Stub, crm_database_url: str
) -> None:
    results = await asyncio.gather(
        *(
            create(stub, email=f"Race@{'example.com' if i % 2 else 'EXAMPLE.COM'}")
            for i in range(20)
        ),
        return_exceptions=True,
    )
    successes = [r for r in results if isinstance(r, accounts_pb2.CreateAccountResponse)]
    failures = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(successes) == 1
    assert len(failures) == 19
    assert {f.code() for f in failures} == {grpc.StatusCode.ALREADY_EXISTS}
    assert len(stored_rows(crm_database_url)) == 1


async def test_password_material_never_in_responses_or_logs(
    stub: Stub, crm_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Sup3r-secret-passphrase"
    with caplog.at_level(logging.DEBUG):
        reply = await create(stub, email="material@example.com", password=secret)
        duplicate = await create_error(stub, email="MATERIAL@example.com", password=secret)
        invalid = await create_error(stub, email="bad", password=secret)
    [(*_, password_hash)] = stored_rows(crm_database_url)
    salt_and_hash = password_hash.rsplit("$", 2)[-2:]
    exposed = [
        reply.SerializeToString().decode("utf-8", "replace"),
        str(reply),
        duplicate.details() or "",
        invalid.details() or "",
        str(duplicate.trailing_metadata()),
        caplog.text,
    ]
    for text in exposed:
        assert secret not in text
        assert password_hash not in text
        for part in salt_and_hash:
            assert part not in text
    assert "rpc /accounts.v1.AccountsService/CreateAccount OK" in caplog.text


async def test_hashing_does_not_block_the_event_loop(
    crm_host: StartHost,
) -> None:
    """With production argon2 parameters, health checks overtake running creates."""
    host = await crm_host("accounts", settings={"accounts": {"hash_workers": "1"}})
    channel = host.channel
    # Three hashes queue on one worker: the creates take several hash times.
    creating = asyncio.gather(
        *(
            create(accounts_pb2_grpc.AccountsServiceStub(channel), email=f"slow{i}@example.com")
            for i in range(3)
        )
    )
    await asyncio.sleep(0)
    health = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="liveness"), timeout=10
    )
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert not creating.done()
    assert len({reply.id for reply in await creating}) == 3


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread priorities are Linux's")
def test_hashing_threads_run_at_a_lower_priority_than_the_event_loop() -> None:
    pool = PasswordHasher(AccountsSettings())._pool().executor
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    theirs = pool.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert theirs.result() == min(ours + HASHING_NICENESS, 19)


def test_requests_beyond_the_hashing_queue_are_refused_at_once(
    serve_accounts: Callable[..., HostProcess],
) -> None:
    """One hashing thread, one waiting place: a burst gets RESOURCE_EXHAUSTED beyond that."""
    host = serve_accounts(env={"CRM_ACCOUNTS__HASH_WORKERS": "1", "CRM_ACCOUNTS__HASH_QUEUE": "1"})

    async def burst() -> tuple[list[object], accounts_pb2.CreateAccountResponse]:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            stub = accounts_pb2_grpc.AccountsServiceStub(channel)
            # Production argon2 parameters: each hash takes long enough for
            # all eight to be in flight together.
            outcomes = await asyncio.gather(
                *(create(stub, email=f"burst{i}@example.com") for i in range(8)),
                return_exceptions=True,
            )
            # The places are given back: a request after the burst is served.
            after = await create(stub, email="after@example.com")
            return list(outcomes), after

    outcomes, after = asyncio.run(burst())
    created = [o for o in outcomes if isinstance(o, accounts_pb2.CreateAccountResponse)]
    refused = [rich_error(o) for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(created) + len(refused) == 8
    assert 1 <= len(created) <= 2
    assert {(r.code, r.reason, r.retry_delay) for r in refused} == {
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "PASSWORD_HASHING_BUSY", 1.0)
    }
    assert after.email == "after@example.com"


def test_accounts_survive_a_restart(
    tmp_path: Path, serve_accounts: Callable[[], HostProcess]
) -> None:
    async def call(process: HostProcess, email: str) -> accounts_pb2.CreateAccountResponse:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{process.port}") as channel:
            return await create(accounts_pb2_grpc.AccountsServiceStub(channel), email=email)

    first = serve_accounts()
    created = asyncio.run(call(first, "keep@example.com"))
    assert first.terminate() == 0

    second = serve_accounts()
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        asyncio.run(call(second, "KEEP@example.com"))
    assert failure.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert second.terminate() == 0
    assert [row[0] for row in stored_rows(f"sqlite:///{tmp_path / 'crm.db'}")] == [created.id]
