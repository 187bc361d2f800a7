"""The accounts.v1 resource API over the wire: every method, its errors and their details."""

from __future__ import annotations

import asyncio
import base64
import uuid

import argon2
import grpc
import grpc.aio
import pytest

from crm_accounts._proto.accounts.v1 import accounts_pb2

from .accounts_client import PASSWORD, Accounts, fails, query

DOMAIN = "accounts.v1.AccountsService"
ACTIVE = accounts_pb2.Account.State.ACTIVE
DISABLED = accounts_pb2.Account.State.DISABLED
Code = grpc.StatusCode


# -- CreateAccount ---------------------------------------------------------------


async def test_create_returns_the_whole_resource(accounts: Accounts) -> None:
    created = await accounts.create()
    assert created.state == ACTIVE
    assert created.create_time.seconds > 0
    assert created.update_time == created.create_time
    assert created.etag
    fetched = await accounts.get(created.id)
    assert (
        fetched.SerializeToString()
        == accounts_pb2.Account(
            id=created.id,
            name=created.name,
            email=created.email,
            state=created.state,
            create_time=created.create_time,
            update_time=created.update_time,
            etag=created.etag,
        ).SerializeToString()
    )


async def test_validation_errors_carry_error_info_and_bad_request(accounts: Accounts) -> None:
    error = await fails(accounts.create(name="", email="nope", password="short"))
    assert error.code == Code.INVALID_ARGUMENT
    assert (error.reason, error.domain) == ("VALIDATION_FAILED", DOMAIN)
    assert error.violations == [
        ("name", "NAME_EMPTY"),
        ("email", "EMAIL_INVALID"),
        ("password", "PASSWORD_LENGTH"),
    ]
    assert error.message.startswith("invalid request: name: must not be empty; email: ")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password123", "PASSWORD_TOO_COMMON"),
        ("Qwertyuiop", "PASSWORD_TOO_COMMON"),
        ("John Doe 2024!", "PASSWORD_TOO_SIMILAR"),
        ("johndoe#1", "PASSWORD_TOO_SIMILAR"),
        ("abcdefghijk", "PASSWORD_TOO_SIMPLE"),
        ("zzzzzzzzzzzz", "PASSWORD_TOO_SIMPLE"),
    ],
)
async def test_password_policy_names_the_rule_without_echoing_it(
    accounts: Accounts, password: str, reason: str
) -> None:
    error = await fails(
        accounts.create(name="John Doe", email="john@example.com", password=password)
    )
    assert error.code == Code.INVALID_ARGUMENT
    assert ("password", reason) in error.violations
    assert password not in error.message
    assert all(password not in d for d in error.descriptions)


async def test_duplicate_email_is_already_exists_with_its_reason(accounts: Accounts) -> None:
    await accounts.create(email="dup@example.com")
    error = await fails(accounts.create(email="DUP@example.com"))
    assert (error.code, error.reason, error.domain) == (
        Code.ALREADY_EXISTS,
        "EMAIL_ALREADY_EXISTS",
        DOMAIN,
    )


async def test_request_id_retry_returns_the_original_account(
    accounts: Accounts, crm_database_url: str
) -> None:
    request_id = str(uuid.uuid4())
    first = await accounts.create(email="once@example.com", request_id=request_id)
    again = await accounts.create(email="once@example.com", request_id=request_id)
    assert again == first
    # Even after the account changed, a retry of the same request is recognized.
    await accounts.update(accounts_pb2.Account(id=first.id, name="Renamed"), ["name"])
    later = await accounts.create(email="once@example.com", request_id=request_id)
    assert (later.id, later.name) == (first.id, "Renamed")
    assert count(crm_database_url, "once@example.com") == 1


@pytest.mark.parametrize(
    "changed",
    [{"password": "another passphrase entirely"}, {"name": "Jane Roe"}, {"email": "b@example.com"}],
)
async def test_request_id_with_a_different_payload_is_rejected(
    accounts: Accounts, changed: dict[str, str]
) -> None:
    request_id = str(uuid.uuid4())
    await accounts.create(email="a@example.com", request_id=request_id)
    error = await fails(
        accounts.create(**{"email": "a@example.com", **changed}, request_id=request_id)
    )
    assert error.code == Code.INVALID_ARGUMENT
    assert error.violations == [("request_id", "REQUEST_ID_REUSED")]


async def test_concurrent_retries_of_one_request_create_one_account(
    accounts: Accounts, crm_database_url: str
) -> None:
    request_id = str(uuid.uuid4())
    replies = await asyncio.gather(
        *(accounts.create(email="race@example.com", request_id=request_id) for _ in range(10))
    )
    assert len({reply.id for reply in replies}) == 1
    assert count(crm_database_url, "race@example.com") == 1


async def test_a_malformed_request_id_is_invalid(accounts: Accounts) -> None:
    error = await fails(accounts.create(request_id="retry-1"))
    assert error.violations == [("request_id", "REQUEST_ID_INVALID")]


def count(database_url: str, email: str) -> int:
    [(n,)] = query(
        database_url, "SELECT count(*) FROM accounts WHERE email_canonical = :e", e=email
    )
    return int(n)


# -- GetAccount ------------------------------------------------------------------


async def test_get_unknown_and_malformed_ids(accounts: Accounts) -> None:
    missing = str(uuid.uuid4())
    error = await fails(accounts.get(missing))
    assert (error.code, error.reason, error.metadata) == (
        Code.NOT_FOUND,
        "ACCOUNT_NOT_FOUND",
        {"id": missing},
    )
    assert missing in error.message
    error = await fails(accounts.get("12; DROP TABLE accounts"))
    assert (error.code, error.violations) == (Code.INVALID_ARGUMENT, [("id", "ID_INVALID")])


# -- ListAccounts ----------------------------------------------------------------


async def make(accounts: Accounts, count: int, prefix: str = "user") -> list[str]:
    ids = []
    for i in range(count):
        ids.append(
            (await accounts.create(name=f"{prefix} {i:03}", email=f"{prefix}{i}@example.com")).id
        )
    return ids


async def test_walking_pages_returns_every_account_once_in_creation_order(
    accounts: Accounts,
) -> None:
    ids = await make(accounts, 10)
    users = 'name = "user*"'
    assert [a.id for a in await accounts.walk(page_size=3, filter=users)] == ids
    newest_first = await accounts.walk(page_size=4, filter=users, order_by="create_time desc")
    assert [a.id for a in newest_first] == ids[::-1]


async def test_page_size_default_and_maximum(accounts: Accounts, crm_database_url: str) -> None:
    created = await accounts.create(email="template@example.com")
    # 1,050 rows straight into the table; hashing them through the API would
    # only slow the test down.
    stored = query(crm_database_url, "SELECT * FROM accounts WHERE id = :id", id=created.id)
    assert len(stored) == 1
    insert_copies(crm_database_url, 1048)  # with the admin: 1,050 accounts
    first = await accounts.page()
    assert len(first.accounts) == 50
    assert first.next_page_token
    huge = await accounts.page(page_size=5000)
    assert len(huge.accounts) == 1000
    rest = await accounts.page(page_size=5000, page_token=huge.next_page_token)
    assert (len(rest.accounts), rest.next_page_token) == (50, "")


def insert_copies(database_url: str, count: int) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        template = (
            connection.execute(
                sqlalchemy.text("SELECT * FROM accounts WHERE email = 'template@example.com'")
            )
            .mappings()
            .one()
        )
        rows = []
        for i in range(count):
            row = dict(template)
            row |= {
                "id": str(uuid.uuid4()),
                "email": f"copy{i}@example.com",
                "email_canonical": f"copy{i}@example.com",
                "create_request_id": None,
            }
            rows.append(row)
        columns = ", ".join(rows[0])
        values = ", ".join(f":{c}" for c in rows[0])
        # Column names come from our own table, not from input.
        insert = f"INSERT INTO accounts ({columns}) VALUES ({values})"  # noqa: S608
        connection.execute(sqlalchemy.text(insert), rows)
    engine.dispose()


async def test_negative_page_size_is_invalid(accounts: Accounts) -> None:
    error = await fails(accounts.page(page_size=-1))
    assert (error.code, error.violations) == (
        Code.INVALID_ARGUMENT,
        [("page_size", "PAGE_SIZE_NEGATIVE")],
    )


async def test_page_tokens_are_opaque(accounts: Accounts) -> None:
    await make(accounts, 3, prefix="secretive")
    token = (await accounts.page(page_size=1, order_by="name")).next_page_token
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"secretive" not in raw
    assert b"name" not in raw


async def test_foreign_garbled_and_mismatched_page_tokens(accounts: Accounts) -> None:
    await make(accounts, 3)
    token = (await accounts.page(page_size=1)).next_page_token
    assert token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in ("not-a-token", tampered, token + "x"):
        error = await fails(accounts.page(page_size=1, page_token=bad))
        assert error.violations == [("page_token", "PAGE_TOKEN_INVALID")], bad
    error = await fails(accounts.page(page_size=1, page_token=token, order_by="name"))
    assert error.violations == [("page_token", "PAGE_TOKEN_MISMATCH")]


async def test_filters(accounts: Accounts) -> None:
    john = await accounts.create(name="John Smith", email="John@Example.com")
    jane = await accounts.create(name="Jane Johansson", email="jane@example.com")
    bob = await accounts.create(name="Bob Stone", email="bob@example.com")
    await accounts.disable(bob.id)

    async def ids(filter: str) -> set[str]:
        return {a.id for a in await accounts.walk(page_size=2, filter=filter)}

    [admin] = (await accounts.page(filter='email = "admin@example.com"')).accounts
    assert await ids("") == {admin.id, john.id, jane.id, bob.id}
    assert await ids("state = ACTIVE") == {admin.id, john.id, jane.id}
    assert await ids("state = DISABLED") == {bob.id}
    assert await ids('email = "JOHN@example.com"') == {john.id}
    assert await ids('name = "jo*"') == {john.id}
    assert await ids('name : "JOH"') == {john.id, jane.id}
    assert await ids('name : "oh" AND state = ACTIVE') == {john.id, jane.id}
    assert await ids('name : "%"') == set()
    # The kit's grammar: OR, NOT and parentheses.
    assert await ids('state = DISABLED OR email = "jane@example.com"') == {bob.id, jane.id}
    assert await ids('NOT (name : "jo" OR state = DISABLED)') == {admin.id}
    assert await ids('name < "c"') == {admin.id, bob.id}
    assert await ids('name = "*STONE"') == {bob.id}
    by_name = await accounts.walk(page_size=2, order_by="name desc, create_time desc")
    assert [a.id for a in by_name] == [john.id, jane.id, bob.id, admin.id]


@pytest.mark.parametrize(
    ("filter", "reason", "named"),
    [
        ('phone = "123"', "FILTER_UNKNOWN_FIELD", "phone"),
        ('startsWith(name, "a")', "FILTER_UNSUPPORTED", "startsWith"),
        ('name = "unterminated', "FILTER_INVALID", ""),
        ("state = SLEEPING", "FILTER_INVALID", "SLEEPING"),
    ],
)
async def test_bad_filters_name_the_problem(
    accounts: Accounts, filter: str, reason: str, named: str
) -> None:
    error = await fails(accounts.page(filter=filter))
    assert error.code == Code.INVALID_ARGUMENT
    assert error.violations == [("filter", reason)]
    assert named in error.message


async def test_order_by_name(accounts: Accounts) -> None:
    names = ["bravo", "Alpha", "charlie", "delta"]
    for i, name in enumerate(names):
        await accounts.create(name=name, email=f"o{i}@example.com")
    others = 'name != "Admin"'
    ascending = [a.name for a in await accounts.walk(page_size=3, filter=others, order_by="name")]
    assert ascending == ["Alpha", "bravo", "charlie", "delta"]
    descending = [
        a.name for a in await accounts.walk(page_size=3, filter=others, order_by="name desc")
    ]
    assert descending == ascending[::-1]


async def test_unknown_order_by_field_is_named(accounts: Accounts) -> None:
    error = await fails(accounts.page(order_by="email"))
    assert error.violations == [("order_by", "ORDER_BY_INVALID")]
    assert "email" in error.message


# -- UpdateAccount ---------------------------------------------------------------


async def test_update_with_a_mask_changes_only_those_fields(accounts: Accounts) -> None:
    created = await accounts.create()
    updated = await accounts.update(
        accounts_pb2.Account(id=created.id, name="  Johnny  ", email="ignored@example.com"),
        ["name"],
    )
    assert (updated.name, updated.email) == ("Johnny", created.email)
    assert updated.etag != created.etag
    assert updated.update_time.ToDatetime() > created.update_time.ToDatetime()
    assert updated.create_time == created.create_time


async def test_update_without_a_mask_changes_the_fields_that_are_set(accounts: Accounts) -> None:
    created = await accounts.create()
    updated = await accounts.update(accounts_pb2.Account(id=created.id, email="New@Example.COM"))
    assert (updated.name, updated.email) == (created.name, "New@example.com")
    both = await accounts.update(
        accounts_pb2.Account(id=created.id, name="Both", email="both@example.com"), ["*"]
    )
    assert (both.name, both.email) == ("Both", "both@example.com")


async def test_update_mask_rejects_other_fields(accounts: Accounts) -> None:
    created = await accounts.create()
    for path in ("state", "id", "password", "etag"):
        error = await fails(accounts.update(accounts_pb2.Account(id=created.id), [path]))
        assert error.violations == [("update_mask", "UPDATE_MASK_INVALID")]
        assert path in error.message


async def test_a_huge_update_mask_gets_a_small_error_with_its_details(
    accounts: Accounts,
) -> None:
    """A 20 kB mask once came back as 20 kB of grpc-message and 54 kB of details,
    past what clients accept: they saw RESOURCE_EXHAUSTED and lost the ErrorInfo."""
    created = await accounts.create()
    paths = [f"{n}{'x' * 2000}" for n in range(10)]
    error = await fails(accounts.update(accounts_pb2.Account(id=created.id), paths))
    assert (error.code, error.reason) == (Code.INVALID_ARGUMENT, "VALIDATION_FAILED")
    assert error.violations == [("update_mask", "UPDATE_MASK_INVALID")]
    assert len(error.message) <= 512
    assert all(len(description) <= 200 for description in error.descriptions)


async def test_stale_etag_aborts_and_current_etag_succeeds(accounts: Accounts) -> None:
    created = await accounts.create()
    first = await accounts.update(
        accounts_pb2.Account(id=created.id, name="First", etag=created.etag), ["name"]
    )
    error = await fails(
        accounts.update(
            accounts_pb2.Account(id=created.id, name="Lost", etag=created.etag), ["name"]
        )
    )
    assert (error.code, error.reason) == (Code.ABORTED, "ETAG_MISMATCH")
    second = await accounts.update(
        accounts_pb2.Account(id=created.id, name="Second", etag=first.etag), ["name"]
    )
    assert second.name == "Second"


async def test_update_keeps_emails_unique(accounts: Accounts) -> None:
    await accounts.create(email="taken@example.com")
    other = await accounts.create(email="other@example.com")
    error = await fails(
        accounts.update(accounts_pb2.Account(id=other.id, email="TAKEN@example.com"), ["email"])
    )
    assert (error.code, error.reason) == (Code.ALREADY_EXISTS, "EMAIL_ALREADY_EXISTS")


async def test_update_validates_and_reports_field_paths(accounts: Accounts) -> None:
    created = await accounts.create()
    error = await fails(
        accounts.update(accounts_pb2.Account(id=created.id, name="", email="bad"), ["*"])
    )
    assert error.violations == [("account.name", "NAME_EMPTY"), ("account.email", "EMAIL_INVALID")]
    error = await fails(accounts.update(accounts_pb2.Account(id=str(uuid.uuid4()), name="x")))
    assert error.code == Code.NOT_FOUND


# -- DeleteAccount, DisableAccount, EnableAccount --------------------------------


async def test_delete_is_final_and_frees_the_email(accounts: Accounts) -> None:
    created = await accounts.create(email="gone@example.com")
    await accounts.delete(created.id)
    assert (await fails(accounts.get(created.id))).code == Code.NOT_FOUND
    assert (await fails(accounts.delete(created.id))).reason == "ACCOUNT_NOT_FOUND"
    again = await accounts.create(email="GONE@example.com")
    assert again.id != created.id


async def test_disable_and_enable_are_idempotent(accounts: Accounts) -> None:
    created = await accounts.create()
    disabled = await accounts.disable(created.id)
    assert disabled.state == DISABLED
    assert disabled.etag != created.etag
    assert await accounts.disable(created.id) == disabled
    enabled = await accounts.enable(created.id)
    assert enabled.state == ACTIVE
    assert enabled.etag not in (created.etag, disabled.etag)
    assert await accounts.enable(created.id) == enabled
    assert (await fails(accounts.disable(str(uuid.uuid4())))).code == Code.NOT_FOUND


# -- ChangePassword --------------------------------------------------------------


def stored_hash(database_url: str, account_id: str) -> str:
    [(password_hash,)] = query(
        database_url, "SELECT password_hash FROM accounts WHERE id = :id", id=account_id
    )
    assert isinstance(password_hash, str)
    return password_hash


async def test_change_password(accounts: Accounts, crm_database_url: str) -> None:
    created = await accounts.create()
    new = "a brand new passphrase"
    await accounts.change_password(created.id, PASSWORD, new)
    assert argon2.PasswordHasher().verify(stored_hash(crm_database_url, created.id), new)

    error = await fails(accounts.change_password(created.id, PASSWORD, "yet another phrase"))
    assert (error.code, error.reason) == (Code.UNAUTHENTICATED, "INVALID_CREDENTIALS")
    assert error.message == "the current password is incorrect"


async def test_change_password_applies_the_policy(accounts: Accounts) -> None:
    created = await accounts.create()
    for weak, reason in [("short", "PASSWORD_LENGTH"), ("password1", "PASSWORD_TOO_COMMON")]:
        error = await fails(accounts.change_password(created.id, PASSWORD, weak))
        assert error.violations == [("new_password", reason)]
    error = await fails(accounts.change_password(str(uuid.uuid4()), PASSWORD, "whatever it is"))
    assert error.code == Code.NOT_FOUND
