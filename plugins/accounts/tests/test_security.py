"""Security fixes of the accounts plugin (issue 11), over the wire, on SQLite and PostgreSQL.

Self-contained: it uses crm_host's public test fixtures, crm_accounts, grpc,
and the small helpers below. Every database test runs on a SQLite file and,
when CRM_TEST_DATABASE_URL is set, on PostgreSQL in a schema of its own; an
unreachable PostgreSQL server then fails the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import unicodedata
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
import sqlalchemy
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy.engine import make_url

import crm_accounts.plugin
from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.passwords import PasswordHasher
from crm_accounts.purge import BATCH, Purged, Purger
from crm_accounts.settings import AccountsSettings
from crm_accounts.validation import canonical_email
from crm_host import Database
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


# -- 2. Look-alike addresses are one address (NFKC plus casefold) ------------------


@pytest.mark.parametrize(
    "look_alike",
    ["ａｄｍｉｎ@example.com", "ＡＤＭＩＮ@example.com", "ａdmin@example.com"],
    ids=["fullwidth", "fullwidth-capitals", "one-fullwidth-letter"],
)
async def test_a_fullwidth_look_alike_is_refused_and_signs_in_to_the_account(
    start_accounts: StartAccounts, look_alike: str
) -> None:
    client = await start_accounts()
    admin = await client.create("admin@example.com")
    duplicate = await refusal(client.create(look_alike, "another passphrase entirely"))
    assert (duplicate.code, duplicate.reason) == (Code.ALREADY_EXISTS, "EMAIL_ALREADY_EXISTS")
    assert (await client.authenticate(look_alike)).account.id == admin.id


async def test_the_ascii_address_is_refused_beside_a_fullwidth_one(
    start_accounts: StartAccounts, database_url: str
) -> None:
    client = await start_accounts()
    fullwidth = await client.create("ａｄｍｉｎ@example.com")
    assert fullwidth.email == "ａｄｍｉｎ@example.com"  # shown as registered
    duplicate = await refusal(client.create("Admin@Example.com", "another passphrase entirely"))
    assert (duplicate.code, duplicate.reason) == (Code.ALREADY_EXISTS, "EMAIL_ALREADY_EXISTS")
    assert (await client.authenticate("admin@example.com")).account.id == fullwidth.id
    assert query(database_url, "SELECT email_canonical FROM accounts") == [("admin@example.com",)]


def test_the_canonical_key_of_a_key_is_the_key() -> None:
    # Every assigned letter and compatibility form lies below U+30000.
    for code_point in range(0x30000):
        if 0xD800 <= code_point <= 0xDFFF:
            continue
        key = canonical_email(f"{chr(code_point)}x@example.com")
        assert canonical_email(key) == key, hex(code_point)


def migrate_accounts_to(url: str, destination: str) -> None:
    """Migrate the accounts schema in ``url`` to revision ``destination``, as the host does."""
    config = Config()
    config.set_main_option("script_location", str(crm_accounts.plugin.MIGRATIONS))
    script = ScriptDirectory.from_config(config)

    def steps(revision: Any, _context: MigrationContext) -> Any:
        return script._upgrade_revs(destination, revision)

    engine = sqlalchemy.create_engine(url)
    try:
        with (
            engine.begin() as connection,
            EnvironmentContext(config, script, fn=steps, destination_rev=destination) as env,
        ):
            env.configure(
                connection=connection,
                version_table="alembic_version_accounts",
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with env.begin_transaction():
                env.run_migrations()
    finally:
        engine.dispose()


def key_at_0002(email: str) -> str:
    """email_canonical as revision 0002's code stored it: NFC plus casefold."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email).casefold())


def crm_host_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args, "--plugins", "accounts"],
        env={**os.environ, "CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# (name, email, password) in order of creation; "*" marks collisions under NFKC.
LEGACY_ACCOUNTS = [
    ("fullwidth", "ａｄｍｉｎ@example.com", "fullwidth passphrase one"),  # * with ascii
    ("ascii", "admin@example.com", "ascii passphrase two"),
    ("mixed", "ａdmin@example.com", "mixed passphrase three"),  # * with ascii
    ("file", "ｆｉｌｅ@example.com", "file passphrase four"),
    ("file again", "ｆile@example.com", "file passphrase five"),  # * with file
    ("bob", "ｂｏｂ@example.com", "bob passphrase six"),  # rekeyed, no collision
    ("carol", "carol@example.com", "carol passphrase seven"),  # untouched
]


async def insert_legacy_accounts(url: str) -> dict[str, tuple[str, str, str]]:
    """LEGACY_ACCOUNTS as rows of a 0002 schema: name -> (id, email, password hash)."""
    hasher = PasswordHasher(AccountsSettings.model_validate(CHEAP))
    created = datetime(2026, 1, 1)
    rows = {
        name: (str(uuid.uuid4()), email, await hasher.hash(password))
        for name, email, password in LEGACY_ACCOUNTS
    }
    insert = sqlalchemy.text(
        "INSERT INTO accounts (id, name, name_folded, email, email_canonical, password_hash, "
        "state, version, create_time, update_time) VALUES (:id, :name, :folded, :email, "
        ":canonical, :hash, 'ACTIVE', 1, :created, :updated)"
    )
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            for n, (name, (account_id, email, password_hash)) in enumerate(rows.items()):
                time = created + timedelta(minutes=n)
                connection.execute(
                    insert,
                    {
                        "id": account_id,
                        "name": name,
                        "folded": name.casefold(),
                        "email": email,
                        "canonical": key_at_0002(email),
                        "hash": password_hash,
                        "created": time,
                        "updated": time,
                    },
                )
    finally:
        engine.dispose()
    return rows


async def test_revision_0003_rekeys_with_nfkc_and_reports_every_collision(
    database_url: str,
) -> None:
    migrate_accounts_to(database_url, "0002")
    rows = await insert_legacy_accounts(database_url)
    ids = {name: account_id for name, (account_id, _, _) in rows.items()}

    # Offline SQL cannot rekey existing rows: it says so instead of skipping them.
    offline = crm_host_cli("migrate", "--sql", "--database-url", database_url)
    assert offline.returncode == 1
    assert "cannot be written as SQL for a database that has accounts" in offline.stderr

    migrated = crm_host_cli("migrate", "--database-url", database_url)
    assert migrated.returncode == 0, migrated.stderr
    warnings = [line for line in migrated.stderr.splitlines() if "email collision" in line]
    assert len(warnings) == 3, migrated.stderr
    for collided, kept in [("fullwidth", "ascii"), ("mixed", "ascii"), ("file again", "file")]:
        [line] = [w for w in warnings if f"account {ids[collided]} has" in w]
        assert "WARNING" in line
        assert f"as account {ids[kept]}, which keeps it" in line
    for _, (_, _, password_hash) in rows.items():
        assert password_hash not in migrated.stderr
    assert "$argon2" not in migrated.stderr
    for _, _, password in LEGACY_ACCOUNTS:
        assert password not in migrated.stderr

    # Nothing lost: every row, its address and its hash; only the keys changed.
    stored = {
        row[0]: row[1:]
        for row in query(
            database_url, "SELECT id, email, email_canonical, password_hash FROM accounts"
        )
    }
    assert stored == {
        ids["fullwidth"]: (
            "ａｄｍｉｎ@example.com",
            "collided:ａｄｍｉｎ@example.com",
            rows["fullwidth"][2],
        ),
        ids["ascii"]: ("admin@example.com", "admin@example.com", rows["ascii"][2]),
        ids["mixed"]: ("ａdmin@example.com", "collided:ａdmin@example.com", rows["mixed"][2]),
        ids["file"]: ("ｆｉｌｅ@example.com", "file@example.com", rows["file"][2]),
        ids["file again"]: (
            "ｆile@example.com",
            "collided:ｆile@example.com",
            rows["file again"][2],
        ),
        ids["bob"]: ("ｂｏｂ@example.com", "bob@example.com", rows["bob"][2]),
        ids["carol"]: ("carol@example.com", "carol@example.com", rows["carol"][2]),
    }
    assert sorted(
        query(database_url, "SELECT account_id, kept_account_id FROM accounts_email_collisions")
    ) == sorted(
        [
            (ids["fullwidth"], ids["ascii"]),
            (ids["mixed"], ids["ascii"]),
            (ids["file again"], ids["file"]),
        ]
    )

    # Every account still signs in with its address as registered, in any case.
    host = await start_test_host([ACCOUNTS], database_url, {"accounts": CHEAP})
    try:
        client = Client(host)
        for name, email, password in LEGACY_ACCOUNTS:
            for spelling in (email, email.upper()):
                signed_in = await client.authenticate(spelling, password)
                assert signed_in.account.id == ids[name], (name, spelling)
        assert (await client.authenticate("bob@example.com", "bob passphrase six")).account.id == (
            ids["bob"]
        )
        # And no new look-alike gets in.
        for email in ("ＡＤＭＩＮ@example.com", "FILE@example.com"):
            duplicate = await refusal(client.create(email, "a brand new passphrase"))
            assert duplicate.code == Code.ALREADY_EXISTS
        # A collided account can move to an address of its own, not to its spelling's key.
        own = await client.authenticate("ａｄｍｉｎ@example.com", "fullwidth passphrase one")
        caller = (("authorization", f"Bearer {own.session_token}"),)

        def change_email(email: str) -> Awaitable[accounts_pb2.Account]:
            result: Awaitable[accounts_pb2.Account] = client.stub.UpdateAccount(
                accounts_pb2.UpdateAccountRequest(
                    account=accounts_pb2.Account(id=ids["fullwidth"], email=email),
                    update_mask=field_mask_pb2.FieldMask(paths=["email"]),
                ),
                metadata=caller,
                timeout=30,
            )
            return result

        taken = await refusal(change_email("ａｄｍｉｎ@example.com"))
        assert (taken.code, taken.reason) == (Code.ALREADY_EXISTS, "EMAIL_ALREADY_EXISTS")
        assert (await change_email("admin.two@example.com")).email == "admin.two@example.com"
        moved = await client.authenticate("admin.two@example.com", "fullwidth passphrase one")
        assert moved.account.id == ids["fullwidth"]
    finally:
        await stop_test_host(host)


# -- 3. Expired sessions and stale login failures are purged -----------------------

WINDOW = AccountsSettings.model_validate(CHEAP).login_window_seconds


def insert_purgeable_rows(url: str, expired: int = 3, stale: int = 3) -> tuple[set[str], set[str]]:
    """An account with live and ``expired`` expired sessions, fresh and ``stale`` stale counts.

    Returns what must stay: (session ids, login-failure keys).
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    account_id = str(uuid.uuid4())
    tag = account_id[:8]  # rows of each call differ
    live_sessions = {str(uuid.uuid4()) for _ in range(2)}
    fresh_keys = {f"email:fresh.{tag}@example.com|127.0.0.1", f"peer:{tag}"}
    sessions = [(session_id, now + timedelta(hours=1)) for session_id in live_sessions] + [
        (str(uuid.uuid4()), now - timedelta(seconds=1 + n)) for n in range(expired)
    ]
    failures = [(key, now - timedelta(seconds=WINDOW // 2)) for key in fresh_keys] + [
        (f"email:stale{n}.{tag}@example.com|127.0.0.1", now - timedelta(seconds=WINDOW + 1 + n))
        for n in range(stale)
    ]
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sqlalchemy.text(
                    "INSERT INTO accounts (id, name, name_folded, email, email_canonical, "
                    "password_hash, state, version, roles, create_time, update_time) VALUES "
                    "(:id, 'Sam', 'sam', :email, :key, 'not a hash', 'ACTIVE', 1, '', :created, "
                    ":updated)"
                ),
                {
                    "id": account_id,
                    "email": f"sam.{tag}@example.com",
                    "key": f"sam.{tag}@example.com",
                    "created": now,
                    "updated": now,
                },
            )
            for session_id, expire_time in sessions:
                connection.execute(
                    sqlalchemy.text(
                        "INSERT INTO accounts_sessions (id, account_id, token_hash, create_time, "
                        "expire_time, last_used_time) VALUES (:id, :account, :token, :created, "
                        ":expires, :created)"
                    ),
                    {
                        "id": session_id,
                        "account": account_id,
                        "token": uuid.uuid4().hex,
                        "created": now - timedelta(days=1),
                        "expires": expire_time,
                    },
                )
            for key, last_failure_time in failures:
                connection.execute(
                    sqlalchemy.text(
                        "INSERT INTO accounts_login_failures (key, failures, last_failure_time, "
                        "version) VALUES (:key, 3, :time, 1)"
                    ),
                    {"key": key, "time": last_failure_time},
                )
    finally:
        engine.dispose()
    return live_sessions, fresh_keys


def remaining(url: str) -> tuple[set[str], set[str]]:
    """The session ids and login-failure keys in the database."""
    sessions = {row[0] for row in query(url, "SELECT id FROM accounts_sessions")}
    failures = {row[0] for row in query(url, "SELECT key FROM accounts_login_failures")}
    return sessions, failures


def purger_for(url: str, batch: int = BATCH) -> tuple[Purger, sqlalchemy.Engine]:
    engine = sqlalchemy.create_engine(url)
    return Purger(Database(engine), AccountsSettings.model_validate(CHEAP), batch), engine


async def test_a_purge_round_deletes_expired_sessions_and_stale_failures_only(
    database_url: str,
) -> None:
    migrate_accounts_to(database_url, "head")
    # More than a batch of each: the round goes on until nothing is left.
    keep = insert_purgeable_rows(database_url, expired=7, stale=5)
    purger, engine = purger_for(database_url, batch=3)
    try:
        assert await purger.purge() == Purged(sessions=7, login_failures=5)
        assert remaining(database_url) == keep
        assert await purger.purge() == Purged(sessions=0, login_failures=0)
    finally:
        engine.dispose()


async def test_replicas_purging_at_once_delete_each_row_once(database_url: str) -> None:
    migrate_accounts_to(database_url, "head")
    keep = insert_purgeable_rows(database_url, expired=40, stale=40)
    replicas = [purger_for(database_url, batch=4) for _ in range(3)]
    try:
        rounds = await asyncio.gather(*(purger.purge() for purger, _ in replicas))
    finally:
        for _, engine in replicas:
            engine.dispose()
    assert sum(purged.sessions for purged in rounds) == 40
    assert sum(purged.login_failures for purged in rounds) == 40
    assert remaining(database_url) == keep


@contextlib.contextmanager
def database_gone(url: str) -> Iterator[str]:
    """A URL to ``url``'s database, which cannot be used until the block ends.

    SQLite: the file is moved away (and the URL never creates it);
    PostgreSQL: the schema is renamed.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        path = Path(parsed.database)
        path.rename(path.with_suffix(".away"))
        try:
            yield f"sqlite:///file:{path}?mode=rw&uri=true"
        finally:
            path.with_suffix(".away").rename(path)
        return
    options = parsed.query["options"]
    assert isinstance(options, str)
    schema = options.removeprefix("-csearch_path=")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sqlalchemy.text(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_away"')
            )
        try:
            yield url
        finally:
            with engine.begin() as connection:
                connection.execute(
                    sqlalchemy.text(f'ALTER SCHEMA "{schema}_away" RENAME TO "{schema}"')
                )
    finally:
        engine.dispose()


async def test_a_failed_round_is_logged_and_the_next_round_purges(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    migrate_accounts_to(database_url, "head")
    keep = insert_purgeable_rows(database_url)
    with database_gone(database_url) as unusable:
        purger, engine = purger_for(unusable)
        try:
            with caplog.at_level(logging.WARNING, logger="crm_accounts"):
                assert await purger.round() is None
        finally:
            engine.dispose()
    [warning] = [r for r in caplog.records if r.name == "crm_accounts.purge"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith("purging expired sessions and login failures failed")
    assert "DELETE" not in warning.getMessage()  # no statement, no driver text

    purger, engine = purger_for(database_url)
    try:
        assert await purger.round() == Purged(sessions=3, login_failures=3)
    finally:
        engine.dispose()
    assert remaining(database_url) == keep


async def test_the_plugin_purges_from_startup_until_shutdown(database_url: str) -> None:
    migrate_accounts_to(database_url, "head")
    keep = insert_purgeable_rows(database_url)
    host = await start_test_host(
        [ACCOUNTS], database_url, {"accounts": {**CHEAP, "purge_interval_seconds": 1}}
    )
    try:
        # A round at start-up...
        await until(lambda: remaining(database_url) == keep)
        # ...and one every purge_interval_seconds.
        sessions, failures = keep
        more = insert_purgeable_rows(database_url, expired=2, stale=2)
        await until(lambda: remaining(database_url) == (sessions | more[0], failures | more[1]))
    finally:
        await stop_test_host(host)
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "crm-accounts-purge"]


async def until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds, checking every 50 ms; fail after 30 seconds."""
    async with asyncio.timeout(30):
        # The rows change in the database, which no asyncio.Event can observe.
        while not condition():
            await asyncio.sleep(0.05)
