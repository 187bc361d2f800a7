"""What a request may hold, and what an error may echo: both bounded.

Every string, bytes and map field is bounded in bytes before a handler runs
(crm_host._server.bounds); every error is cut to fit the headers clients
accept (crm_host.errors).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest

from crm_host import FieldViolation, ServiceError, hookimpl
from crm_host.errors import MAX_DESCRIPTION, MAX_DETAILS_BYTES, MAX_MESSAGE, MAX_METADATA_VALUE
from crm_host.hookspecs import RegisterService
from crm_host.testing import DETAILS_KEY, TestHost, rich_error, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import DESCRIPTOR

DOMAIN = "crmtest.v1.EchoService"


class Recording(echo_pb2_grpc.EchoServiceServicer):  # type: ignore[misc]
    """Echoes; "complain:<text>" answers an error that echoes <text> everywhere it can."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def Echo(self, request: echo_pb2.EchoRequest, context: Any) -> echo_pb2.EchoResponse:
        self.seen.append(request.message)
        if request.message.startswith("complain:"):
            text = request.message.removeprefix("complain:")
            raise ServiceError(
                code=grpc.StatusCode.INVALID_ARGUMENT,
                message=f"cannot echo {text}",
                reason="ECHO_REFUSED",
                domain=DOMAIN,
                metadata={f"key{n}": text for n in range(40)},
                field_violations=[FieldViolation(text, f"bad: {text}", "BAD")] * 50,
            )
        return echo_pb2.EchoResponse(message=request.message)


class BoundedEcho:
    def __init__(self, servicer: Recording, sizes: dict[str, dict[str, int]] | None) -> None:
        self.servicer = servicer
        self.sizes = sizes

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        register(
            servicer=self.servicer,
            add_to_server=echo_pb2_grpc.add_EchoServiceServicer_to_server,
            descriptor=DESCRIPTOR,
            policies={"Echo": "public"},
            field_max_bytes=self.sizes,
        )


@pytest.fixture
async def echo(tmp_path: Path) -> AsyncIterator[tuple[TestHost, Recording]]:
    servicer = Recording()
    test_host = await start_test_host(
        [(BoundedEcho(servicer, {"Echo": {"message": 100}}), "echo")],
        f"sqlite:///{tmp_path}/crm.db",
    )
    yield test_host, servicer
    await stop_test_host(test_host)


async def call(test_host: TestHost, message: str) -> echo_pb2.EchoResponse:
    stub = echo_pb2_grpc.EchoServiceStub(test_host.channel)
    response: echo_pb2.EchoResponse = await stub.Echo(
        echo_pb2.EchoRequest(message=message), timeout=10
    )
    return response


@pytest.mark.parametrize(
    ("message", "fits"),
    [
        ("x" * 100, True),
        ("x" * 101, False),
        # Bytes, not characters: 25 four-byte characters fit, 26 do not.
        ("\U0001f600" * 25, True),
        ("\U0001f600" * 26, False),
        # NFKC makes U+FDFA 18 characters; its size is what counts, before any of that.
        ("\ufdfa" * 33, True),
        ("\ufdfa" * 34, False),
    ],
)
async def test_a_declared_field_size_is_enforced_in_bytes_before_the_handler(
    echo: tuple[TestHost, Recording], message: str, fits: bool
) -> None:
    test_host, servicer = echo
    if fits:
        assert (await call(test_host, message)).message == message
        assert servicer.seen == [message]
        return
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(test_host, message)
    error = rich_error(refused.value)
    assert (error.code, error.reason, error.domain) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "VALIDATION_FAILED",
        DOMAIN,
    )
    assert error.violations == [("message", "FIELD_TOO_LARGE")]
    assert error.descriptions == ["must be at most 100 bytes"]
    assert servicer.seen == []


async def test_the_host_default_bounds_undeclared_fields(tmp_path: Path) -> None:
    servicer = Recording()
    test_host = await start_test_host(
        [(BoundedEcho(servicer, None), "echo")],
        f"sqlite:///{tmp_path}/crm.db",
        max_field_bytes=1000,
    )
    try:
        assert (await call(test_host, "y" * 1000)).message == "y" * 1000
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(test_host, "y" * 1001)
        assert rich_error(refused.value).violations == [("message", "FIELD_TOO_LARGE")]
        assert servicer.seen == ["y" * 1000]
    finally:
        await stop_test_host(test_host)


async def test_an_error_echoing_a_large_value_stays_small_and_keeps_its_details(
    echo: tuple[TestHost, Recording], tmp_path: Path
) -> None:
    servicer = Recording()
    test_host = await start_test_host(
        [(BoundedEcho(servicer, {"Echo": {"message": 60_000}}), "echo")],
        f"sqlite:///{tmp_path}/big.db",
    )
    try:
        text = "\u00e9" * 20_000
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(test_host, "complain:" + text)
    finally:
        await stop_test_host(test_host)
    failure = refused.value
    # Not RESOURCE_EXHAUSTED from the client's header limit: the details arrive.
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(failure.details() or "") <= MAX_MESSAGE
    assert (failure.details() or "").endswith("...")
    trailers = failure.trailing_metadata() or ()
    [details] = [value for key, value in trailers if key == DETAILS_KEY]
    assert len(details) <= MAX_DETAILS_BYTES
    error = rich_error(failure)
    assert error.reason == "ECHO_REFUSED"
    # As many as fit, at least the first.
    assert 1 <= len(error.violations) < 50
    assert all(len(description) <= MAX_DESCRIPTION for description in error.descriptions)
    assert all(len(value) <= MAX_METADATA_VALUE for value in error.metadata.values())
