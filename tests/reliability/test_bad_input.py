"""Bad input against a real host: random bytes, invalid UTF-8, oversize messages.

Whatever a client sends, the answer is a deliberate status (never INTERNAL or
UNKNOWN) and the host keeps serving. The host serves the notes and WhoAmI
test plugins; the accounts plugin's own bad-input tests (hostile field
values among them) are in plugins/accounts/tests.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import testplugins.notes
from crm_host.testing import (
    DETAILS_KEY,
    StartHost,
    TestHost,
    rich_error,
    start_test_host,
    stop_test_host,
)
from reliability.serving import assert_serving
from support.notes import Notes, token_for
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc, notes_pb2
from testplugins.echo import DESCRIPTOR, EchoPlugin, WhoAmIPlugin

NOTES = notes_pb2.DESCRIPTOR.services_by_name["NotesService"]
SQLITE_ONLY = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)
TIMEOUT = 30

# Random bytes


SEED = 20260611
PAYLOADS_PER_BATCH = 24
ANONYMOUS, READER, WRITER = "anonymous", "reader", "writer"

# Refusals come before the request is read, whatever it holds.
REFUSALS = {
    (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
    (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED"),
}
MALFORMED = (grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST")
# What a request that parses may meet, odd as its values are:
DECODED_ANSWERS = {
    # a request that happens to be valid (an Echo, a Health Check of "", a
    # reflection query, a note with some text);
    grpc.StatusCode.OK,
    # values that fail validation (an id that is no UUID, an empty text);
    grpc.StatusCode.INVALID_ARGUMENT,
    # a Health Check of a service that does not exist, a note nobody wrote;
    grpc.StatusCode.NOT_FOUND,
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


@pytest.fixture
async def served(crm_host: StartHost) -> TestHost:
    """A host of the notes plugin (it writes what it gets) and WhoAmI (public)."""
    return await crm_host((testplugins.notes, "notes"), (WhoAmIPlugin("public"), "whoami"))


# On both engines: decoded garbage reaches the database (PostgreSQL refuses NUL in text).
async def test_random_bytes_to_every_method_get_a_deliberate_answer_and_the_host_serves_on(
    served: TestHost,
) -> None:
    channel = served.channel
    methods = await served_methods(channel)
    assert "/crmtest.v1.NotesService/CreateNote" in map(path_of, methods)
    assert "/grpc.health.v1.Health/Watch" in map(path_of, methods)
    metadata = {
        ANONYMOUS: (),
        READER: served.caller("reader-1"),
        WRITER: served.caller("writer-1", [testplugins.notes.WRITER]),
    }
    writer = Notes(channel, token_for(served, "writer-2", testplugins.notes.WRITER))
    known = await writer.create("known")

    async def writer_reads_a_note() -> None:
        assert (await writer.get(known.id)).text == "known"

    observed: Counter[tuple[str, str | None]] = Counter()
    for method in methods:
        path = path_of(method)
        for caller in (ANONYMOUS, READER, WRITER):
            # Seeded per batch, so a failure names a payload that can be sent again.
            rng = random.Random(f"{SEED} {path} {caller}")  # noqa: S311 - no secret
            payloads = [random_payload(rng, method) for _ in range(PAYLOADS_PER_BATCH)]
            outcomes = await asyncio.gather(
                *(send(channel, method, p, metadata[caller]) for p in payloads)
            )
            for payload, outcome in zip(payloads, outcomes, strict=True):
                observed[outcome.code.name, outcome.reason] += 1
                answer = (outcome.code, outcome.reason)
                where = f"{path} as {caller} with {payload!r}: {answer}"
                if decodes(method, payload):
                    assert answer != MALFORMED, where
                    assert answer in REFUSALS or outcome.code in DECODED_ANSWERS, where
                else:
                    assert answer in REFUSALS | {MALFORMED}, where
            await assert_serving(channel, writer_reads_a_note)
    print(
        f"\nRELIABILITY random bytes: {len(methods)} methods x 3 callers x "
        f"{PAYLOADS_PER_BATCH} payloads; answers {dict(sorted(observed.items(), key=str))}"
    )
    # Both paths were taken: payloads the parser refused, and payloads that reached handlers.
    assert observed["INVALID_ARGUMENT", "MALFORMED_REQUEST"] > 0
    assert observed["OK", None] > 0
    assert observed["INVALID_ARGUMENT", "VALIDATION_FAILED"] > 0


@SQLITE_ONLY
async def test_an_unimplemented_method_answers_unimplemented(crm_host: StartHost) -> None:
    # The generated base class: its Echo is not implemented.
    host = await crm_host((EchoPlugin(echo_pb2_grpc.EchoServiceServicer()), "echo"))
    outcome = await send(host.channel, DESCRIPTOR.methods_by_name["Echo"], b"", ())
    assert (outcome.code, outcome.reason) == (grpc.StatusCode.UNIMPLEMENTED, "UNIMPLEMENTED")


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
async def test_invalid_utf8_in_any_string_field_is_a_malformed_request(served: TestHost) -> None:
    channel = served.channel
    writer = served.caller("writer-1", [testplugins.notes.WRITER])
    methods = [*NOTES.methods, *DESCRIPTOR.methods]
    sent = 0
    for method in methods:
        for bad in INVALID_UTF8:
            for path, payload in string_field_encodings(method.input_type, bad):
                outcome = await send(channel, method, payload, writer)
                assert (outcome.code, outcome.reason) == MALFORMED, (method.name, path, bad)
                sent += 1
    # Every method takes at least one string.
    assert sent >= len(methods) * len(INVALID_UTF8)

    async def echo() -> None:
        reply = await echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(message="after"), timeout=TIMEOUT
        )
        assert reply.message == "anonymous"

    await assert_serving(channel, echo)


# Oversize messages


@SQLITE_ONLY
async def test_a_request_over_the_default_size_limit_is_resource_exhausted(
    served: TestHost,
) -> None:
    limit = served.host.settings.max_receive_message_bytes
    writer = Notes(served.channel, token_for(served, "writer-1", testplugins.notes.WRITER))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await writer.create("x" * limit)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    async def create() -> None:
        await writer.create("after")

    await assert_serving(served.channel, create)


SMALL_LIMIT = 1024


@SQLITE_ONLY
async def test_a_small_size_limit_refuses_larger_requests_of_every_kind(
    crm_database_url: str,
) -> None:
    test_host = await start_test_host(
        [(testplugins.notes, "notes")], crm_database_url, max_receive_message_bytes=SMALL_LIMIT
    )
    try:
        channel = test_host.channel
        writer = Notes(channel, token_for(test_host, "writer-1", testplugins.notes.WRITER))
        methods = {path_of(m): m for m in await served_methods(channel)}
        large = "x" * SMALL_LIMIT
        oversize = {
            "/crmtest.v1.NotesService/CreateNote": notes_pb2.CreateNoteRequest(text=large),
            "/grpc.health.v1.Health/Watch": health_pb2.HealthCheckRequest(service=large),
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": (
                reflection_pb2.ServerReflectionRequest(file_containing_symbol=large)
            ),
        }
        # As a caller who may call each: a refused caller is answered before
        # its request is read at all (UNAUTHENTICATED), whatever its size.
        assert writer.metadata is not None
        for number, (path, request) in enumerate(oversize.items()):
            raw = request.SerializeToString()
            outcome = await send(channel, methods[path], raw, writer.metadata)
            assert outcome.code == grpc.StatusCode.RESOURCE_EXHAUSTED, path

            async def create(number: int = number) -> None:
                await writer.create(f"after {number}")

            await assert_serving(channel, create)
        # Under the limits, the request reaches the handler.
        assert (await writer.create("x" * 300)).text == "x" * 300
    finally:
        await stop_test_host(test_host)
