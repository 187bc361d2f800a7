"""Bad input against a real accounts host: random bytes, hostile field values, oversize messages.

Whatever a client sends, the answer is a deliberate status (never INTERNAL or
UNKNOWN) and the host keeps serving.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
import grpc.aio
import pytest
from conftest import ADMIN_EMAIL
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import crm_accounts.plugin
from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host._server.lifecycle import Host
from crm_host.testing import DETAILS_KEY, RichError, rich_error, start_test_host, stop_test_host
from reliability.serving import assert_serving
from support.accounts import Accounts
from support.hosts import CHEAP_ACCOUNTS, StartHost
from testplugins._proto.crmtest.v1 import echo_pb2_grpc
from testplugins.echo import DESCRIPTOR, EchoPlugin

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
    accounts_host: Host, channel_to: Callable[[Host], grpc.aio.Channel], accounts: Accounts
) -> None:
    channel = channel_to(accounts_host)
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


@SQLITE_ONLY
async def test_an_unimplemented_method_answers_unimplemented(
    start_host: StartHost, channel_to: Callable[[Host], grpc.aio.Channel]
) -> None:
    # The generated base class: its Echo is not implemented.
    host = await start_host((EchoPlugin(echo_pb2_grpc.EchoServiceServicer()), "echo"))
    outcome = await send(channel_to(host), DESCRIPTOR.methods_by_name["Echo"], b"", ())
    assert (outcome.code, outcome.reason) == (grpc.StatusCode.UNIMPLEMENTED, "UNIMPLEMENTED")


# Oversize messages


async def answer(call: Awaitable[object]) -> RichError | None:
    """The call's error, with its rich details; None on success."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return rich_error(error)
    return None


@SQLITE_ONLY
async def test_a_request_over_the_default_size_limit_is_resource_exhausted(
    accounts_host: Host, channel_to: Callable[[Host], grpc.aio.Channel], accounts: Accounts
) -> None:
    limit = accounts_host.settings.max_receive_message_bytes
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await accounts.create(name="x" * limit)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    async def create() -> None:
        await accounts.create(email="after@example.com")

    await assert_serving(channel_to(accounts_host), create)


SMALL_LIMIT = 1024


@SQLITE_ONLY
async def test_a_small_size_limit_refuses_larger_requests_of_every_kind(
    crm_database_url: str,
) -> None:
    test_host = await start_test_host(
        [(crm_accounts.plugin, "accounts")],
        crm_database_url,
        {"accounts": CHEAP_ACCOUNTS},
        max_receive_message_bytes=SMALL_LIMIT,
    )
    try:
        channel = test_host.channel
        accounts = Accounts(channel)
        methods = {path_of(m): m for m in await served_methods(channel)}
        large = "x" * SMALL_LIMIT
        oversize = {
            "/accounts.v1.AccountsService/CreateAccount": accounts_pb2.CreateAccountRequest(
                name=large
            ),
            "/grpc.health.v1.Health/Watch": health_pb2.HealthCheckRequest(service=large),
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": (
                reflection_pb2.ServerReflectionRequest(file_containing_symbol=large)
            ),
        }
        for number, (path, request) in enumerate(oversize.items()):
            outcome = await send(channel, methods[path], request.SerializeToString(), ())
            assert outcome.code == grpc.StatusCode.RESOURCE_EXHAUSTED, path

            async def create(number: int = number) -> None:
                await accounts.create(email=f"after{number}@example.com")

            await assert_serving(channel, create)
        # Under the limits, the request reaches the handler.
        error = await answer(accounts.create(name="x" * 300))
        assert error is not None
        assert error.violations == [("name", "NAME_TOO_LONG")]
    finally:
        await stop_test_host(test_host)
