"""Bad input against a real accounts host: random bytes, hostile field values, invalid UTF-8.

Whatever a client sends, the answer is a deliberate status (never INTERNAL or
UNKNOWN) and the host keeps serving. The host's own part (every method of
test plugins, oversize messages) is tests/reliability/test_bad_input.py.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import DETAILS_KEY, RichError, TestHost, rich_error

from .accounts_client import ADMIN_EMAIL, PASSWORD, Accounts

SQLITE_ONLY = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)
TIMEOUT = 30

# Random bytes


SEED = 20260611
PAYLOADS_PER_BATCH = 24
ANONYMOUS, MEMBER, ADMIN = "anonymous", "member", "admin"

# Refusals come before the request is read, whatever it holds.
REFUSALS = {
    (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
    (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED"),
}
MALFORMED = (grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST")
# What a request that parses may meet, odd as its values are:
DECODED_ANSWERS = {
    # a request that happens to be valid (an empty ListAccounts, a Health
    # Check of "", a reflection query);
    grpc.StatusCode.OK,
    # values that fail validation (an id that is no UUID, an empty name);
    grpc.StatusCode.INVALID_ARGUMENT,
    # a Health Check of a service that does not exist, a session id nobody has;
    grpc.StatusCode.NOT_FOUND,
    # Authenticate with credentials that match no account;
    grpc.StatusCode.UNAUTHENTICATED,
    # Authenticate once the peer failed too often (login throttling);
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    # a method the served proto declares but its servicer leaves out (Health/List).
    grpc.StatusCode.UNIMPLEMENTED,
}


@dataclass(frozen=True)
class Outcome:
    code: grpc.StatusCode
    # The ErrorInfo reason; None for answers without rich details (OK, and the
    # standard health service's NOT_FOUND).
    reason: str | None = None


async def assert_serving(channel: grpc.aio.Channel, call: Callable[[], Awaitable[object]]) -> None:
    """Readiness is SERVING and ``call``, a real call through ``channel``, succeeds."""
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=10
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    await call()


def path_of(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


async def served_methods(channel: grpc.aio.Channel) -> list[MethodDescriptor]:
    """Every method of every service the host lists through reflection."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    ask = reflection_pb2.ServerReflectionRequest(list_services="")
    [reply] = [reply async for reply in stub.ServerReflectionInfo(iter([ask]), timeout=TIMEOUT)]
    names = sorted(service.name for service in reply.list_services_response.service)
    pool = descriptor_pool.Default()
    return [method for name in names for method in pool.FindServiceByName(name).methods]


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def length_delimited(number: int, body: bytes) -> bytes:
    """A field of wire type 2 (strings, bytes, messages) exactly as given, valid or not."""
    return varint(number << 3 | 2) + varint(len(body)) + body


def random_payload(rng: random.Random, method: MethodDescriptor) -> bytes:
    """One of: random bytes; a real field of the request with random content; every
    field as random text, whole or cut off anywhere."""
    fields = method.input_type.fields
    kind = rng.randrange(4)
    if kind == 0 or not fields:
        return rng.randbytes(rng.randrange(49))
    if kind == 1:
        field = rng.choice(fields)
        if field.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE):
            return length_delimited(field.number, rng.randbytes(rng.randrange(33)))
        return varint(field.number << 3) + rng.randbytes(rng.randrange(1, 12))
    text = "".join(rng.choices("aé😀-@.:\"' 019*\x00", k=rng.randrange(1, 40))).encode()
    whole = b"".join(length_delimited(f.number, text) for f in fields)
    return whole if kind == 2 else whole[: rng.randrange(len(whole))]


def decodes(method: MethodDescriptor, payload: bytes) -> bool:
    try:
        message_factory.GetMessageClass(method.input_type).FromString(payload)
    except DecodeError:
        return False
    return True


async def send(
    channel: grpc.aio.Channel,
    method: MethodDescriptor,
    payload: bytes,
    metadata: tuple[tuple[str, str], ...],
) -> Outcome:
    """Send ``payload`` as it is, with the method's kind of call.

    A response stream counts as answered by its first message (Health Watch
    would go on for ever).
    """
    path = path_of(method)
    options = {"timeout": TIMEOUT, "metadata": metadata}
    try:
        if not method.server_streaming:
            if method.client_streaming:
                await channel.stream_unary(path)(iter([payload]), **options)
            else:
                await channel.unary_unary(path)(payload, **options)
            return Outcome(grpc.StatusCode.OK)
        if method.client_streaming:
            call = channel.stream_stream(path)(iter([payload]), **options)
        else:
            call = channel.unary_stream(path)(payload, **options)
        first = await call.read()
        if first is grpc.aio.EOF:
            return Outcome(await call.code())
        call.cancel()
        return Outcome(grpc.StatusCode.OK)
    except grpc.aio.AioRpcError as error:
        return Outcome(error.code(), reason_of(error))


def reason_of(error: grpc.aio.AioRpcError) -> str | None:
    if not any(key == DETAILS_KEY for key, _ in error.trailing_metadata() or ()):
        return None
    return rich_error(error).reason


# On both engines: decoded garbage reaches the database (PostgreSQL refuses NUL in text).
async def test_random_bytes_to_every_method_get_a_deliberate_answer_and_the_host_serves_on(
    accounts_host: TestHost, accounts: Accounts
) -> None:
    channel = accounts_host.channel
    methods = await served_methods(channel)
    assert "/accounts.v1.AccountsService/CreateAccount" in map(path_of, methods)
    assert "/grpc.health.v1.Health/Watch" in map(path_of, methods)
    await accounts.create(name="Member", email="member@example.com")
    admin_id = (await accounts.authenticate(ADMIN_EMAIL)).account.id
    # A session of its own per batch, as RevokeSession may end the one it is sent
    # with; all opened first, as failed Authenticate calls get the peer throttled.
    sessions = {
        (path_of(method), caller): (await accounts.authenticate(email)).session_token
        for method in methods
        for caller, email in ((MEMBER, "member@example.com"), (ADMIN, ADMIN_EMAIL))
    }

    async def admin_reads_itself() -> None:
        assert (await accounts.get(admin_id)).email == ADMIN_EMAIL

    observed: Counter[tuple[str, str | None]] = Counter()
    for method in methods:
        path = path_of(method)
        for caller in (ANONYMOUS, MEMBER, ADMIN):
            token = sessions.get((path, caller))
            metadata = (("authorization", f"Bearer {token}"),) if token else ()
            # Seeded per batch, so a failure names a payload that can be sent again.
            rng = random.Random(f"{SEED} {path} {caller}")  # noqa: S311 - no secret
            payloads = [random_payload(rng, method) for _ in range(PAYLOADS_PER_BATCH)]
            outcomes = await asyncio.gather(*(send(channel, method, p, metadata) for p in payloads))
            for payload, outcome in zip(payloads, outcomes, strict=True):
                observed[outcome.code.name, outcome.reason] += 1
                answer = (outcome.code, outcome.reason)
                where = f"{path} as {caller} with {payload!r}: {answer}"
                if decodes(method, payload):
                    assert answer != MALFORMED, where
                    assert answer in REFUSALS or outcome.code in DECODED_ANSWERS, where
                else:
                    assert answer in REFUSALS | {MALFORMED}, where
            await assert_serving(channel, admin_reads_itself)
    # Both paths were taken: payloads the parser refused, and payloads that reached handlers.
    assert observed["INVALID_ARGUMENT", "MALFORMED_REQUEST"] > 0
    assert observed["OK", None] > 0
    assert observed["INVALID_ARGUMENT", "VALIDATION_FAILED"] > 0


# Hostile field values

# One host per test, shared by its examples; derandomized so CI runs the same examples.
FIELD_VALUES = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# In every generated password and nowhere else, to catch a password echoed back.
MARK = "\u2603"
# Far beyond every field limit, yet five of them together within the 64 KiB
# message limit: 12,000 bytes each.
HUGE = ["x" * 12_000, "\u00e9" * 6_000, "\U0001f600" * 3_000]
HOSTILE = [
    "",
    " ",
    "\x00",
    "John\x00Doe",
    "john@example.com\x00",
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d\ufeff",  # zero-width (non-)joiner, BOM
    "\u202egnp.exe",  # right-to-left override
    "\u05e9\u05dc\u05d5\u05dd\u200f",  # Hebrew and a right-to-left mark
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # one emoji of five code points
    "\U0001f600@\U0001f600.\U0001f600",
    "a" * 201,
    "a" * 243 + "@example.com",
    "%_*\\\"'",
]
text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=MARK), max_size=40)
values = st.one_of(text, st.sampled_from(HOSTILE + HUGE))
passwords = st.tuples(values, values).map(MARK.join)


async def answer(call: Awaitable[object]) -> RichError | None:
    """The call's error, which must be a deliberate one with rich details; None on success."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        result = rich_error(error)
        shown = [result.message, *result.descriptions, *result.metadata.values()]
        assert not [text for text in shown if MARK in text], "a password was echoed"
        return result
    return None


def violated(error: RichError) -> set[str]:
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "VALIDATION_FAILED"
    assert error.violations, "an INVALID_ARGUMENT names the fields at fault"
    return {field for field, _ in error.violations}


def beyond_limits(value: str) -> bool:
    return len(value) >= 3_000


def refused_for_size(error: RichError | None, **values: str | None) -> bool:
    """Whether the host refused the request for its oversized fields, before any handler.

    If so, it named exactly the fields given here that are beyond their
    limits, each with FIELD_TOO_LARGE; and the request held such a field.
    """
    huge = {path for path, value in values.items() if value is not None and beyond_limits(value)}
    if error is None or not error.violations:
        assert not huge, f"{sorted(huge)} got through"
        return False
    reasons = {reason for _, reason in error.violations}
    if reasons != {"FIELD_TOO_LARGE"}:
        assert not huge, f"{sorted(huge)} got through"
        return False
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {field.replace(".", "__") for field, _ in error.violations} == huge
    return True


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@FIELD_VALUES
@given(name=values, email=values, password=passwords, request_id=st.one_of(values, st.uuids()))
async def test_create_account_answers_any_field_values_deliberately(
    accounts: Accounts, name: str, email: str, password: str, request_id: str | uuid.UUID
) -> None:
    error = await answer(accounts.create(name, email, password, str(request_id)))
    if refused_for_size(
        error, name=name, email=email, password=password, request_id=str(request_id)
    ):
        return
    if error is None:
        return
    if error.code == grpc.StatusCode.ALREADY_EXISTS:
        assert error.reason == "EMAIL_ALREADY_EXISTS"
        return
    fields = violated(error)
    assert fields <= {"name", "email", "password", "request_id"}
    if not name.strip() or "\x00" in name or beyond_limits(name):
        assert "name" in fields
    if not email or "\x00" in email or beyond_limits(email):
        assert "email" in fields
    if beyond_limits(password):
        assert "password" in fields
    if isinstance(request_id, str) and request_id and not is_uuid(request_id):
        assert "request_id" in fields


@SQLITE_ONLY
async def test_each_hostile_value_alone_is_created_or_refused_naming_its_field(
    accounts: Accounts,
) -> None:
    refused: dict[str, set[str]] = {}
    for field in ("name", "email", "password", "request_id"):
        for number, value in enumerate(HOSTILE + HUGE):
            request = {
                "name": "Jane Roe",
                "email": f"{field}{number}@example.com",
                "password": PASSWORD,
                "request_id": "",
            }
            request[field] = MARK + value if field == "password" else value
            error = await answer(accounts.create(**request))
            if error is not None:
                assert violated(error) == {field}, (field, value[:50], error)
                refused.setdefault(field, set()).add(value)
    # The documented rules, at least: NUL is a control character; lengths are
    # capped; a name must show (zero-width characters alone do not).
    blank = {"", " ", "\u200b", "\u200b\u200c\u200d\ufeff"}
    assert {*blank, "\x00", "John\x00Doe", "a" * 201, *HUGE} <= refused["name"]
    assert {"", "john@example.com\x00", "a" * 243 + "@example.com", *HUGE} <= refused["email"]
    assert set(HUGE) <= refused["password"]
    assert set(HOSTILE + HUGE) - {""} <= refused["request_id"]


@FIELD_VALUES
@given(email=st.one_of(values, st.just(ADMIN_EMAIL)), password=passwords)
async def test_authenticate_gives_one_answer_to_any_wrong_credentials(
    accounts: Accounts, email: str, password: str
) -> None:
    error = await answer(accounts.authenticate(email, password))
    assert error is not None
    if refused_for_size(error, email=email, password=password):
        return
    if error.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        # Five failures for one email address from one peer, and it is throttled.
        assert error.reason == "TOO_MANY_LOGIN_ATTEMPTS"
        assert error.retry_delay
        return
    assert (error.code, error.reason, error.message) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "INVALID_CREDENTIALS",
        "invalid email address or password",
    )


@FIELD_VALUES
@given(account_id=st.one_of(values, st.uuids().map(str), st.just("own")))
async def test_get_account_answers_any_id_deliberately(accounts: Accounts, account_id: str) -> None:
    own = (await accounts.authenticate(ADMIN_EMAIL)).account.id
    if account_id == "own":
        assert (await accounts.get(own)).email == ADMIN_EMAIL
        return
    error = await answer(accounts.get(account_id))
    assert error is not None
    if refused_for_size(error, id=account_id):
        return
    if is_uuid(account_id):
        assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "ACCOUNT_NOT_FOUND")
        assert error.metadata == {"id": str(uuid.UUID(account_id))}
    else:
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT
        assert error.violations == [("id", "ID_INVALID")]


def blank_or_bad(value: str) -> bool:
    return not value.strip() or "\x00" in value or beyond_limits(value)


examples = iter(range(10**9))


@FIELD_VALUES
@given(
    name=values,
    email=st.one_of(values, st.just(ADMIN_EMAIL)),
    paths=st.lists(st.sampled_from(["name", "email", "*", "state", "id", ""]), max_size=3),
)
async def test_update_account_answers_any_field_values_deliberately(
    accounts: Accounts, name: str, email: str, paths: list[str]
) -> None:
    created = await accounts.create(email=f"update{next(examples)}@example.com")
    change = accounts_pb2.Account(id=created.id, name=name, email=email)
    error = await answer(accounts.update(change, paths))
    if refused_for_size(error, account__name=name, account__email=email):
        return
    valid_mask = not paths or paths == ["*"] or set(paths) <= {"name", "email"}
    if not paths:
        changed = {field for field, value in (("name", name), ("email", email)) if value}
    else:
        changed = {"name", "email"} if paths == ["*"] else set(paths)
    if error is None:
        assert valid_mask
        reread = await accounts.get(created.id)
        if "name" in changed:
            assert reread.name == name.strip()
        return
    if error.code == grpc.StatusCode.ALREADY_EXISTS:
        assert (error.reason, "email" in changed) == ("EMAIL_ALREADY_EXISTS", True)
        return
    fields = violated(error)
    if not valid_mask:
        assert fields == {"update_mask"}
        return
    assert fields <= {"account.name", "account.email"}
    if "name" in changed and blank_or_bad(name):
        assert "account.name" in fields
    if "email" in changed and blank_or_bad(email):
        assert "account.email" in fields


@FIELD_VALUES
@given(
    page_size=st.integers(-(2**31), 2**31 - 1),
    page_token=values,
    filter=st.one_of(values, st.sampled_from(['name = "\x00"', 'email = "a\x00@b.c"'])),
    order_by=st.one_of(values, st.sampled_from(["name", "create_time desc"])),
)
async def test_list_accounts_answers_any_arguments_deliberately(
    accounts: Accounts, page_size: int, page_token: str, filter: str, order_by: str
) -> None:
    error = await answer(
        accounts.page(page_size=page_size, page_token=page_token, filter=filter, order_by=order_by)
    )
    if refused_for_size(error, page_token=page_token, filter=filter, order_by=order_by):
        return
    if error is None:
        # Page tokens are the server's own: nothing made up passes.
        assert page_token == ""
        return
    fields = violated(error)
    assert fields <= {"page_size", "page_token", "filter", "order_by"}
    if "\x00" in filter or beyond_limits(filter):
        assert "filter" in fields


@FIELD_VALUES
@given(
    odd_id=st.one_of(st.none(), values, st.uuids().map(str)),
    current=st.one_of(st.none(), values),
    new=passwords,
)
async def test_change_password_answers_any_field_values_deliberately(
    accounts: Accounts, odd_id: str | None, current: str | None, new: str
) -> None:
    email = f"change{next(examples)}@example.com"
    created = await accounts.create(email=email)
    account_id = created.id if odd_id is None else odd_id
    given_current = PASSWORD if current is None else current
    error = await answer(accounts.change_password(account_id, given_current, new))
    if refused_for_size(error, id=account_id, current_password=given_current, new_password=new):
        return
    if odd_id is not None and not is_uuid(odd_id):
        assert error is not None
        assert (error.code, error.violations) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            [("id", "ID_INVALID")],
        )
    elif odd_id is not None:
        assert error is not None
        assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "ACCOUNT_NOT_FOUND")
    elif current is not None:
        assert error is not None
        throttled = (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_LOGIN_ATTEMPTS")
        # Wrong current passwords count against the peer as failed logins do.
        wrong = (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")
        assert (error.code, error.reason) in {wrong, throttled}
    elif error is None:
        assert not beyond_limits(new)
        assert (await accounts.authenticate(email, new)).account.id == created.id
    else:
        assert violated(error) == {"new_password"}


# Invalid UTF-8 on the wire: no client library sends it, so it is put together by hand.

INVALID_UTF8 = [
    b"\xff",  # never valid
    b"\x80",  # a continuation byte alone
    b"\xc0\x80",  # an overlong NUL
    b"\xed\xa0\x80",  # a lone surrogate, U+D800
    b"\xe2\x82",  # cut off
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
]


def string_field_encodings(descriptor: Descriptor, bad: bytes) -> Iterator[tuple[str, bytes]]:
    """Each string field of the message, nested ones too, holding ``bad``: (path, message)."""
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            yield field.name, length_delimited(field.number, b"ok" + bad + b"ok")
        elif field.message_type is not None:
            for path, inner in string_field_encodings(field.message_type, bad):
                yield f"{field.name}.{path}", length_delimited(field.number, inner)


@SQLITE_ONLY
async def test_invalid_utf8_in_any_string_field_is_a_malformed_request(
    accounts_host: TestHost, accounts: Accounts
) -> None:
    channel = accounts_host.channel
    admin = (("authorization", f"Bearer {accounts.token}"),)
    service = accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"]
    sent = 0
    for method in service.methods:
        for bad in INVALID_UTF8:
            for path, payload in string_field_encodings(method.input_type, bad):
                outcome = await send(channel, method, payload, admin)
                assert (outcome.code, outcome.reason) == MALFORMED, (method.name, path, bad)
                sent += 1
    # Every method takes at least one string; UpdateAccount's sit inside Account and FieldMask.
    assert sent >= len(service.methods) * len(INVALID_UTF8)

    async def admin_reads_itself() -> None:
        assert (await accounts.get((await accounts.authenticate(ADMIN_EMAIL)).account.id)).name

    await assert_serving(channel, admin_reads_itself)
