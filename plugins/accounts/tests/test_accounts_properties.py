"""Property-based tests (hypothesis) of the accounts API, over the wire."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Coroutine

import grpc
import grpc.aio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import code_of

from .accounts_client import Accounts

# The host is started once per test and shared by its examples: each example
# works on accounts of its own (unique emails and name prefixes).
SHARED_HOST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
EXPECTED_FAILURES = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS}
examples = itertools.count()

# Anything a client can put in a proto3 string: all of Unicode but surrogates.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
odd_text = st.one_of(
    any_text,
    st.sampled_from(["", " ", "\x00", "a@b", "@", "x" * 5000, "😀@😀.😀", "\u202e", "%_*\\"]),
)


@SHARED_HOST
@given(name=odd_text, email=odd_text, password=odd_text, request_id=odd_text)
async def test_create_validation_never_fails_internally(
    accounts: Accounts, name: str, email: str, password: str, request_id: str
) -> None:
    code = await code_of(accounts.create(name, email, password, request_id))
    assert code in EXPECTED_FAILURES | {grpc.StatusCode.OK}


@SHARED_HOST
@given(
    page_size=st.integers(-(2**31), 2**31 - 1),
    page_token=odd_text,
    filter=st.one_of(
        odd_text,
        st.lists(
            st.sampled_from(
                [
                    "state",
                    "name",
                    "email",
                    "create_time",
                    "=",
                    "!=",
                    ":",
                    "<",
                    "AND",
                    "OR",
                    '"x*"',
                    "ACTIVE",
                    '"2026-01-01T00:00:00Z"',
                    "(",
                    ")",
                    "-",
                    "NOT",
                    '"',
                    "\\",
                ]
            )
        ).map(" ".join),
    ),
    order_by=st.one_of(odd_text, st.sampled_from(["name", "name desc", "create_time asc", "id"])),
)
async def test_list_arguments_never_fail_internally(
    accounts: Accounts, page_size: int, page_token: str, filter: str, order_by: str
) -> None:
    code = await code_of(
        accounts.page(page_size=page_size, page_token=page_token, filter=filter, order_by=order_by)
    )
    assert code in {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT}


@SHARED_HOST
@given(
    name=odd_text,
    email=odd_text,
    paths=st.lists(st.sampled_from(["name", "email", "*", "state", ""])),
)
async def test_update_validation_never_fails_internally(
    accounts: Accounts, name: str, email: str, paths: list[str]
) -> None:
    example = next(examples)
    created = await accounts.create(email=f"update{example}@example.com")
    code = await code_of(
        accounts.update(accounts_pb2.Account(id=created.id, name=name, email=email), paths)
    )
    assert code in EXPECTED_FAILURES | {grpc.StatusCode.OK}


@settings(SHARED_HOST, max_examples=25)
@given(
    initial=st.integers(0, 12),
    page_size=st.integers(1, 5),
    # Between two pages: how many accounts to create, and whether to delete
    # one of the accounts not yet seen.
    between=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=8),
    descending=st.booleans(),
)
async def test_a_page_walk_sees_each_account_once_while_others_come_and_go(
    accounts: Accounts,
    initial: int,
    page_size: int,
    between: list[tuple[int, bool]],
    descending: bool,
) -> None:
    prefix = f"walk{next(examples)}x"
    counter = itertools.count()

    async def create() -> str:
        n = next(counter)
        return (await accounts.create(name=f"{prefix}{n}", email=f"{prefix}{n}@example.com")).id

    existing = [await create() for _ in range(initial)]
    deleted: set[str] = set()
    seen: list[str] = []
    token = ""
    request = {
        "filter": f'name = "{prefix}*"',
        "order_by": "create_time desc" if descending else "",
    }
    changes = iter(between)
    while True:
        page = await accounts.page(page_size=page_size, page_token=token, **request)
        seen += [account.id for account in page.accounts]
        token = page.next_page_token
        if not token:
            break
        creates, delete = next(changes, (0, False))
        for _ in range(creates):
            await create()
        unseen = [i for i in existing if i not in seen and i not in deleted]
        if delete and unseen:
            await accounts.delete(unseen[-1])
            deleted.add(unseen[-1])

    assert len(seen) == len(set(seen)), "an account was returned twice"
    survivors = [i for i in existing if i not in deleted]
    assert [i for i in seen if i in survivors] == (survivors[::-1] if descending else survivors)


@settings(SHARED_HOST, max_examples=15)
@given(
    name=st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=40).filter(
        str.strip
    ),
    retries=st.integers(1, 6),
    concurrent=st.booleans(),
)
async def test_request_id_retries_are_idempotent(
    accounts: Accounts, name: str, retries: int, concurrent: bool
) -> None:
    email = f"idem{next(examples)}@example.com"
    request_id = str(uuid.uuid4())

    def attempt() -> Coroutine[object, object, accounts_pb2.CreateAccountResponse]:
        # Nothing like the name or email, so the password policy never objects.
        return accounts.create(
            name=name, email=email, password="Zx9!qv-Pw7#kLm2", request_id=request_id
        )

    if concurrent:
        replies = await asyncio.gather(*(attempt() for _ in range(retries + 1)))
    else:
        replies = [await attempt() for _ in range(retries + 1)]
    assert len({reply.SerializeToString() for reply in replies}) == 1
    [listed] = (await accounts.page(filter=f'email = "{email}"')).accounts
    assert listed.id == replies[0].id
