"""The real grpcurl binary against a real host: discovery by reflection, calls, health, errors.

The host serves the test plugins notes and echo; grpcurl knows nothing of
them but what reflection tells it. (The README's commands against the
accounts plugin are tests/system/test_readme_grpcurl.py.)
"""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2

import testplugins.notes
from crm_host.testing import HOST_SERVICES, StartHost, TestHost
from support.grpcurl import (
    Grpcurl,
    assert_describes_messages,
    assert_describes_service,
    details,
    enums_of,
    grpcurl_executable,
    messages_of,
    path,
)
from support.notes import Notes, token_for
from testplugins._proto.crmtest.v1 import echo_pb2, notes_pb2
from testplugins.echo import AsyncEchoPlugin

NOTES = notes_pb2.DESCRIPTOR.services_by_name["NotesService"]
ECHO = echo_pb2.DESCRIPTOR.services_by_name["EchoService"]
HEALTH = health_pb2.DESCRIPTOR.services_by_name["Health"]

# The API's shape does not depend on the database: list and describe run on
# SQLite only, which keeps the number of grpcurl processes down.
SQLITE_ONLY = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def served(crm_host: StartHost) -> TestHost:
    return await crm_host((testplugins.notes, "notes"), (AsyncEchoPlugin(), "echo"))


@pytest.fixture
def grpcurl(served: TestHost) -> Grpcurl:
    return Grpcurl(served.port)


async def test_grpcurl_is_installed() -> None:
    process = await asyncio.create_subprocess_exec(
        grpcurl_executable(),
        "-version",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, output
    assert output.decode().startswith("grpcurl v"), output


# Discovery ------------------------------------------------------------------


@SQLITE_ONLY
async def test_list_shows_the_plugin_health_and_reflection_services(grpcurl: Grpcurl) -> None:
    expected = {NOTES.full_name, ECHO.full_name, *HOST_SERVICES}
    assert set((await grpcurl.text("list")).split()) == expected


@SQLITE_ONLY
async def test_list_of_a_service_shows_every_method(grpcurl: Grpcurl) -> None:
    # grpcurl sorts by name.
    listed = (await grpcurl.text("list", NOTES.full_name)).split()
    assert listed == sorted(f"{NOTES.full_name}.{method.name}" for method in NOTES.methods)


@SQLITE_ONLY
async def test_describe_every_service(grpcurl: Grpcurl) -> None:
    """Every listed service; the plugins' with each method's request and response types."""
    names = (await grpcurl.text("list")).split()
    assert {NOTES.full_name, ECHO.full_name} <= set(names)
    for name in names:
        described = await grpcurl.text("describe", name)
        assert described.startswith(f"{name} is a service:\n"), described
        assert "  rpc " in described, described
    for service in (NOTES, ECHO):
        await assert_describes_service(grpcurl, service)


@SQLITE_ONLY
async def test_describe_every_message(grpcurl: Grpcurl) -> None:
    messages = [*messages_of(notes_pb2.DESCRIPTOR), *messages_of(echo_pb2.DESCRIPTOR)]
    enums = [*enums_of(notes_pb2.DESCRIPTOR), *enums_of(echo_pb2.DESCRIPTOR)]
    # The walk really found the API.
    assert {"crmtest.v1.CreateNoteRequest", "crmtest.v1.Note", "crmtest.v1.EchoRequest"} <= {
        m.full_name for m in messages
    }
    await assert_describes_messages(grpcurl, messages, enums)


# Calls ------------------------------------------------------------------------


async def test_create_and_get_with_a_bearer_token(grpcurl: Grpcurl, served: TestHost) -> None:
    writer = token_for(served, "writer-1", testplugins.notes.WRITER)
    created = await grpcurl.call(path(NOTES, "CreateNote"), {"text": "hello"}, token=writer)
    assert created["text"] == "hello"
    assert created["id"]
    # The note grpcurl created is there for a client built from the generated code.
    assert (await Notes(served.channel, writer).get(created["id"])).text == "hello"

    reader = token_for(served, "reader-1")
    fetched = await grpcurl.call(path(NOTES, "GetNote"), {"id": created["id"]}, token=reader)
    assert fetched == created

    # The same call without the token is refused.
    await grpcurl.fail(
        path(NOTES, "GetNote"), {"id": created["id"]}, grpc.StatusCode.UNAUTHENTICATED
    )


async def test_health_check(grpcurl: Grpcurl) -> None:
    for name in ["", "liveness", NOTES.full_name, ECHO.full_name]:
        answer = await grpcurl.call(path(HEALTH, "Check"), {"service": name})
        assert answer == {"status": "SERVING"}, name
    await grpcurl.fail(
        path(HEALTH, "Check"), {"service": "crmtest.v1.NoSuchService"}, grpc.StatusCode.NOT_FOUND
    )


# Errors -----------------------------------------------------------------------


async def test_errors_show_their_error_info_and_bad_request(
    grpcurl: Grpcurl, served: TestHost
) -> None:
    report = await grpcurl.fail(
        path(NOTES, "CreateNote"),
        {"text": ""},
        grpc.StatusCode.INVALID_ARGUMENT,
        token=token_for(served, "writer-1", testplugins.notes.WRITER),
    )
    assert "Message: invalid request: text: must not be empty" in report
    shown = {detail["@type"]: detail for detail in details(report)}
    assert shown["type.googleapis.com/google.rpc.ErrorInfo"] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "VALIDATION_FAILED",
        "domain": NOTES.full_name,
    }
    violations = shown["type.googleapis.com/google.rpc.BadRequest"]["field_violations"]
    assert ("text", "TEXT_EMPTY") in {(v["field"], v["reason"]) for v in violations}


async def test_refusals_show_their_error_info(grpcurl: Grpcurl, served: TestHost) -> None:
    report = await grpcurl.fail(
        path(NOTES, "CreateNote"),
        {"text": "not allowed"},
        grpc.StatusCode.PERMISSION_DENIED,
        token=token_for(served, "reader-1"),
    )
    [info] = details(report)
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "ROLE_REQUIRED"
    assert info["domain"] == "crm-host"
    assert info["metadata"] == {"role": testplugins.notes.WRITER}
