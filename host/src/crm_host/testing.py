"""A pytest plugin for testing CRM Host plugins against a real host.

Installed with crm-host (entry point ``pytest11``); needs pytest-asyncio
(``crm-host[testing]``). A plugin's first test::

    from crm_host.testing import TestHost

    async def test_hello(crm_host):
        host: TestHost = await crm_host("myplugin")
        stub = my_pb2_grpc.MyServiceStub(host.channel)
        reply = await stub.Hello(my_pb2.HelloRequest(), metadata=host.caller("u1"))
        assert reply.message == "hello u1"

Fixtures:

``crm_database_url``
    A fresh, empty database for the test. Every test that uses it (or
    ``crm_host``) runs once on a SQLite file under its tmp_path and once on
    PostgreSQL, in a schema of its own that is dropped afterwards. The
    PostgreSQL run needs ``CRM_TEST_DATABASE_URL`` (e.g.
    ``postgresql+psycopg://postgres@127.0.0.1:5432/test``): without it that
    run is skipped; with it, a server that cannot be reached fails the test.
    Parametrize it indirectly to run a test on one engine only:
    ``@pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)``.

``crm_host``
    ``await crm_host(*plugins, settings=..., **host_settings)`` starts an
    in-process host on a free loopback port on the test's
    ``crm_database_url`` (schemas migrated) and returns a :class:`TestHost`
    once it serves; ``host_settings`` override host options, e.g.
    ``http_listen="127.0.0.1:0"`` (then ``host.http_url``). Plugins are
    names of installed plugins (their entry points) or ``(object, name)``
    pairs. Every host a test starts shares that database, as replicas do;
    all are stopped after the test.

``crm_serve``
    ``crm_serve("myplugin", *args, env=...)`` runs ``crm-host serve
    --plugins myplugin --listen 127.0.0.1:0 ARGS`` as a process, in the
    test's tmp_path (so the default SQLite file is the test's own), and
    returns its :class:`HostProcess` once it listens; it is killed after the
    test if still running. For what only a process shows: signals, restarts,
    several replicas.

Helpers: ``host.caller(account_id, roles)`` gives call metadata that
authenticates as that principal through a test-only authenticator, so access
policies can be tested without any identity plugin; :func:`rich_error`
decodes an error's status details; :func:`check_schema` compares a plugin's
migrated database with its models.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import queue
import re
import secrets
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc
import grpc.aio
import httpx
import sqlalchemy
from google.protobuf import any_pb2, json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from sqlalchemy.engine import make_url

from crm_host import hookimpl
from crm_host._server import store
from crm_host._server.config import HostSettings
from crm_host._server.lifecycle import Host
from crm_host._server.migrations import PluginSchema
from crm_host._server.plugins import PluginInfo, PluginManager
from crm_host.auth import Principal
from crm_host.database import Database
from crm_host.events import Events
from crm_host.hookspecs import RegisterAuthenticator
from crm_host.kit import Kit

Metadata = tuple[tuple[str, str], ...]
PluginSpec = str | tuple[object, str]

TEST_AUTHENTICATOR = "crm-host-testing"
POSTGRESQL_URL_VARIABLE = "CRM_TEST_DATABASE_URL"
"""The environment variable naming the PostgreSQL server tests may use."""

HOST_SERVICES = frozenset(
    {
        "crm.events.v1.EventService",
        "crm.host.v1.HostService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    }
)
"""The services every host serves besides its plugins' (what grpcurl ``list`` adds)."""


@dataclass
class _TestAuthenticator:
    """Accepts the tokens TestHost.caller handed out, and nothing else."""

    principals: dict[str, Principal] = field(default_factory=dict)

    @hookimpl
    def register_authenticators(self, register: RegisterAuthenticator) -> None:
        register(self.authenticate)

    async def authenticate(self, token: str) -> Principal | None:
        return self.principals.get(token)


@dataclass
class TestHost:
    """A running host, a channel to it, and credentials for test callers."""

    __test__ = False  # not a test class, despite its name

    host: Host
    channel: grpc.aio.Channel
    _authenticator: _TestAuthenticator

    @property
    def port(self) -> int:
        assert self.host.port is not None
        return self.host.port

    @property
    def http_url(self) -> str:
        """The base URL of the HTTP listener (Connect, gRPC-Web); start with http_listen."""
        assert self.host.http_port is not None, "start the host with http_listen='127.0.0.1:0'"
        return f"http://127.0.0.1:{self.host.http_port}"

    @property
    def database(self) -> Database:
        """The host's database, as its plugins' hooks get it."""
        return self.host.database

    @property
    def kit(self) -> Kit:
        """The host's resource kit, as plugins' hooks get it."""
        return self.host.kit

    @property
    def events(self) -> Events:
        """The host's events, as plugins' hooks get them (``events.publish``)."""
        return self.host.events

    def caller(self, account_id: str, roles: Iterable[str] = ()) -> Metadata:
        """Metadata that makes a call come from ``account_id`` holding ``roles``."""
        token = f"test-{secrets.token_urlsafe(16)}"
        self._authenticator.principals[token] = Principal(
            account_id=account_id, roles=frozenset(roles), credential_id=token
        )
        return (("authorization", f"Bearer {token}"),)


class StartHost(Protocol):
    """The ``crm_host`` fixture."""

    async def __call__(
        self,
        *plugins: PluginSpec,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        **host_settings: Any,
    ) -> TestHost: ...


def _plugin_manager(plugins: Iterable[PluginSpec]) -> PluginManager:
    plugins = list(plugins)
    manager = PluginManager()
    named = [p for p in plugins if isinstance(p, str)]
    if named:
        manager.load_entrypoints(named)
    for plugin in plugins:
        if not isinstance(plugin, str):
            manager.register(*plugin)
    return manager


async def start_test_host(
    plugins: Iterable[PluginSpec],
    database_url: str,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    **host_settings: Any,
) -> TestHost:
    """Start a host on 127.0.0.1 with exactly ``plugins``; stop it with stop_test_host.

    ``host_settings`` override the host's options (docs/configuration.md),
    e.g. ``drain_delay=1``.
    """
    manager = _plugin_manager(plugins)
    authenticator = _TestAuthenticator()
    manager.register(authenticator, TEST_AUTHENTICATOR)
    host = Host(
        manager,
        HostSettings(
            listen="127.0.0.1:0",
            database_url=database_url,
            grace=5,
            plugin_settings=dict(settings or {}),
            migrate=True,
            **host_settings,
        ),
    )
    try:
        await host.start()
        # A bound, so that a host that never gets ready fails the test, not hangs it.
        await asyncio.wait_for(host.wait_ready(), timeout=60)
    except BaseException:
        await host.stop(0)
        raise
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}")
    return TestHost(host, channel, authenticator)


async def stop_test_host(test_host: TestHost) -> None:
    await test_host.channel.close()
    await test_host.host.stop(0)


async def _stop_all(started: list[TestHost]) -> None:
    """Stop every host, even when stopping another one fails."""
    async with contextlib.AsyncExitStack() as stack:
        for test_host in started:
            stack.push_async_callback(stop_test_host, test_host)


# Databases


@contextlib.contextmanager
def _postgresql_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections use a new, empty schema on ``server_url``, dropped afterwards."""
    admin = sqlalchemy.create_engine(server_url)
    schema = f"crm_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@dataclass(frozen=True)
class SchemaCheck:
    """A plugin's schema in a database, against its migrations and its models."""

    head: str | None
    """The newest revision of the plugin's migrations."""
    current: str | None
    """The revision the database is at; None when the plugin's migrations never ran there."""
    differences: list[Any]
    """What Alembic's autogenerate would change to make the plugin's tables match its
    models (SQLAlchemy ``MetaData``); empty when migrations and models agree."""


def check_schema(plugin: PluginSpec, database_url: str) -> SchemaCheck:
    """Compare the database at ``database_url`` with ``plugin``'s registered schema.

    ``plugin`` is an installed plugin's name or an ``(object, name)`` pair;
    it must implement ``register_schema``. Nothing is changed: migrate first
    (``crm-host migrate``, or a host started on the database).
    """
    manager = _plugin_manager([plugin])
    schemas: list[PluginSchema] = []

    def registrar(info: PluginInfo) -> dict[str, Any]:
        def register(*, metadata: sqlalchemy.MetaData, migrations: Path) -> None:
            schemas.append(PluginSchema(info, metadata, Path(migrations)))

        return {"register": register}

    manager.call_each_now("register_schema", per_plugin=registrar)
    if len(schemas) != 1:
        raise ValueError(f"{plugin!r} registered {len(schemas)} schemas, not one")
    [schema] = schemas
    engine = store.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return SchemaCheck(
                head=schema.head(),
                current=schema.current(connection),
                differences=schema.differences(connection),
            )
    finally:
        engine.dispose()


# Errors

DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class RichError:
    """A failed call's status and its rich error details (AIP-193)."""

    code: grpc.StatusCode
    message: str
    reason: str
    domain: str
    metadata: dict[str, str]
    # (field, reason) of every BadRequest field violation.
    violations: list[tuple[str, str]]
    descriptions: list[str]
    # Seconds, from google.rpc.RetryInfo; None without one.
    retry_delay: float | None = None


def rich_error(error: grpc.aio.AioRpcError) -> RichError:
    """The status details of ``error``; fails unless there is exactly one ErrorInfo."""
    raw = [value for key, value in error.trailing_metadata() or () if key == DETAILS_KEY]
    assert len(raw) == 1, f"no {DETAILS_KEY} trailer in {error!r}"
    status = status_pb2.Status.FromString(raw[0])
    assert status.code == error.code().value[0]
    assert status.message == error.details()
    return _rich(error.code(), error.details() or "", status.details)


def _rich(code: grpc.StatusCode, message: str, details: Iterable[any_pb2.Any]) -> RichError:
    infos, bad_requests, retries = [], [], []
    for detail in details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            infos.append(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            bad_requests.append(bad_request)
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retries.append(retry.retry_delay.ToTimedelta().total_seconds())
    assert len(infos) == 1, "AIP-193: exactly one ErrorInfo"
    assert len(bad_requests) <= 1, "AIP-193: each detail type at most once"
    field_violations = bad_requests[0].field_violations if bad_requests else []
    return RichError(
        code=code,
        message=message,
        reason=infos[0].reason,
        domain=infos[0].domain,
        metadata=dict(infos[0].metadata),
        violations=[(v.field, v.reason) for v in field_violations],
        descriptions=[v.description for v in field_violations],
        retry_delay=retries[0] if retries else None,
    )


async def code_of(call: Awaitable[object]) -> grpc.StatusCode:
    """The status code ``call`` ends with."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


# Calls over the HTTP listener (http_listen), as browsers and curl make them

WEB_PROTOCOLS = ("connect-json", "connect-proto", "grpc-web", "grpc-web-text")
"""The protocols :func:`web_call` speaks: Connect unary (JSON, binary) and gRPC-Web."""

_WEB_CONTENT_TYPES = {
    "connect-json": "application/json",
    "connect-proto": "application/proto",
    "grpc-web": "application/grpc-web+proto",
    "grpc-web-text": "application/grpc-web-text+proto",
}

_CONNECT_CODES = {code.name.lower(): code for code in grpc.StatusCode}
_CONNECT_CODES["canceled"] = grpc.StatusCode.CANCELLED


@dataclass(frozen=True)
class WebReply:
    """What a call over HTTP answered."""

    http_status: int
    code: grpc.StatusCode
    message: str
    response: Message | None
    # Connect's trailer-* headers, or gRPC-Web's trailers (without grpc-status/-message).
    trailers: dict[str, str]
    # The rich error details; None on success.
    error: RichError | None
    headers: httpx.Headers


async def web_call(
    client: httpx.AsyncClient,
    path: str,
    request: Message,
    response_class: type[Message],
    protocol: str = "connect-json",
    metadata: Iterable[tuple[str, str]] = (),
) -> WebReply:
    """Call ``path`` (``/pkg.Service/Method``) on ``client``'s base URL in ``protocol``.

    ``protocol`` is one of :data:`WEB_PROTOCOLS`; ``metadata`` becomes headers.
    """
    headers = {"content-type": _WEB_CONTENT_TYPES[protocol], **dict(metadata)}
    if protocol == "connect-json":
        body = json_format.MessageToJson(request).encode()
    elif protocol == "connect-proto":
        body = request.SerializeToString()
    else:
        payload = request.SerializeToString()
        body = struct.pack(">BI", 0, len(payload)) + payload
        if protocol == "grpc-web-text":
            body = base64.b64encode(body)
    reply = await client.post(path, content=body, headers=headers)
    if protocol.startswith("connect"):
        return _connect_reply(reply, response_class, protocol == "connect-json")
    return _grpc_web_reply(reply, response_class, protocol == "grpc-web-text")


def _connect_reply(reply: httpx.Response, response_class: type[Message], as_json: bool) -> WebReply:
    trailers = {
        key.removeprefix("trailer-"): value
        for key, value in reply.headers.items()
        if key.startswith("trailer-")
    }
    if reply.status_code == 200:
        response = response_class()
        if as_json:
            json_format.Parse(reply.content, response)
        else:
            response.ParseFromString(reply.content)
        return WebReply(200, grpc.StatusCode.OK, "", response, trailers, None, reply.headers)
    assert reply.headers["content-type"] == "application/json", reply.text
    error = reply.json()
    code = _CONNECT_CODES[error["code"]]
    details = [
        any_pb2.Any(
            type_url="type.googleapis.com/" + detail["type"],
            value=base64.b64decode(detail["value"] + "=" * (-len(detail["value"]) % 4)),
        )
        for detail in error.get("details", [])
    ]
    message = error.get("message", "")
    rich = _rich(code, message, details) if details else None
    return WebReply(reply.status_code, code, message, None, trailers, rich, reply.headers)


def _grpc_web_reply(reply: httpx.Response, response_class: type[Message], text: bool) -> WebReply:
    assert reply.status_code == 200, reply.text
    body = _decode_text(reply.content) if text else reply.content
    messages, trailer_block = [], b""
    while body:
        flags, length = struct.unpack(">BI", body[:5])
        payload, body = body[5 : 5 + length], body[5 + length :]
        if flags & 0x80:
            trailer_block = payload
        else:
            messages.append(response_class.FromString(payload))
    trailers = {}
    for line in trailer_block.decode().split("\r\n"):
        if line:
            key, _, value = line.partition(":")
            trailers[key.strip().lower()] = value.strip()
    number = int(trailers.pop("grpc-status"))
    code = next(c for c in grpc.StatusCode if c.value[0] == number)
    message = urllib.parse.unquote(trailers.pop("grpc-message", ""))
    raw_details = trailers.pop(DETAILS_KEY, None)
    rich = None
    if raw_details is not None:
        status = status_pb2.Status.FromString(
            base64.b64decode(raw_details + "=" * (-len(raw_details) % 4))
        )
        rich = _rich(code, message, status.details)
    response = messages[0] if messages else None
    return WebReply(200, code, message, response, trailers, rich, reply.headers)


def _decode_text(content: bytes) -> bytes:
    """gRPC-Web text: base64, maybe padded after each envelope."""
    decoded, rest = b"", content
    while rest:
        end = rest.find(b"=")
        if end < 0:
            return decoded + base64.b64decode(rest)
        while end < len(rest) and rest[end : end + 1] == b"=":
            end += 1
        decoded += base64.b64decode(rest[:end])
        rest = rest[end:]
    return decoded


# `crm-host serve` as a process

LISTENING = re.compile(r"listening on \S+ \(port (\d+)\)")


class HostProcess:
    """``python -m crm_host ARGS`` with its stderr (the log) collected line by line."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        self.lines: list[str] = []
        self.port: int | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [python, "-m", "crm_host", *args],
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    @property
    def output(self) -> str:
        """Everything the process logged so far."""
        return "".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        """The next log line matching ``pattern``; fails when none comes in time."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            if match := pattern.search(line):
                return match
        raise AssertionError(f"no line matching {pattern.pattern!r}; output:\n{self.output}")

    def wait_listening(self) -> int:
        """Wait for the "listening" log line; return (and remember) the bound port."""
        self.port = int(self.wait_for(LISTENING).group(1))
        return self.port

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code; kills and fails if it does not exit in time."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 30) -> int:
        """The exit code; kills and fails if the process does not exit in time."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"crm-host did not exit; output:\n{self.output}") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Serve(Protocol):
    """The ``crm_serve`` fixture."""

    def __call__(
        self, plugins: str, *args: str, env: Mapping[str, str] | None = None
    ) -> HostProcess: ...


try:
    import pytest
    import pytest_asyncio
except ImportError:  # pragma: no cover - the fixtures need crm-host[testing]
    pass
else:
    _ENGINES = [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not os.environ.get(POSTGRESQL_URL_VARIABLE),
                reason=f"{POSTGRESQL_URL_VARIABLE} is not set",
            ),
        ),
    ]

    @pytest.fixture(params=_ENGINES)
    def crm_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
        """A fresh, empty database: a SQLite file, or a schema of its own on PostgreSQL.

        PostgreSQL runs whenever CRM_TEST_DATABASE_URL is set; then an unreachable
        server fails the test instead of skipping it.
        """
        engine = request.param
        if engine == "sqlite":
            yield f"sqlite:///{tmp_path / 'crm-test.db'}"
            return
        if engine != "postgresql":
            raise ValueError(f"crm_database_url: unknown engine {engine!r}")
        server_url = os.environ.get(POSTGRESQL_URL_VARIABLE)
        if not server_url:
            pytest.skip(f"{POSTGRESQL_URL_VARIABLE} is not set")
        with _postgresql_schema(server_url) as url:
            yield url

    @pytest_asyncio.fixture
    async def crm_host(crm_database_url: str) -> AsyncIterator[StartHost]:
        """Start hosts with chosen plugins on the test's database; stopped after the test."""
        started: list[TestHost] = []

        async def start(
            *plugins: PluginSpec,
            settings: Mapping[str, Mapping[str, Any]] | None = None,
            **host_settings: Any,
        ) -> TestHost:
            test_host = await start_test_host(plugins, crm_database_url, settings, **host_settings)
            started.append(test_host)
            return test_host

        yield start
        await _stop_all(started)

    @pytest.fixture
    def crm_serve(tmp_path: Path) -> Iterator[Serve]:
        """Run `crm-host serve --plugins PLUGINS` processes; killed after the test."""
        started: list[HostProcess] = []

        def serve(plugins: str, *args: str, env: Mapping[str, str] | None = None) -> HostProcess:
            process = HostProcess(
                "serve",
                "--plugins",
                plugins,
                "--listen",
                "127.0.0.1:0",
                *args,
                env=env,
                cwd=tmp_path,
            )
            started.append(process)
            process.wait_listening()
            return process

        yield serve
        for process in started:
            process.kill()


__all__ = [
    "DETAILS_KEY",
    "POSTGRESQL_URL_VARIABLE",
    "WEB_PROTOCOLS",
    "HostProcess",
    "RichError",
    "SchemaCheck",
    "Serve",
    "StartHost",
    "TestHost",
    "WebReply",
    "check_schema",
    "code_of",
    "rich_error",
    "start_test_host",
    "stop_test_host",
    "web_call",
]
