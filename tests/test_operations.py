"""Operations: readiness that tracks dependencies, drain, TLS, limits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
import sqlalchemy
from grpc_health.v1 import health_pb2, health_pb2_grpc

import testplugins.notes
from crm_host import hookimpl
from crm_host.hookspecs import RegisterHealthCheck
from crm_host.testing import StartHost, rich_error, start_test_host, stop_test_host
from support.pki import make_pki
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import AsyncEchoPlugin

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class MailServer(AsyncEchoPlugin):
    """Echo plus a health check whose answer the test controls."""

    def __init__(self) -> None:
        super().__init__()
        self.up = True

    @hookimpl
    def register_health_checks(self, register: RegisterHealthCheck) -> None:
        async def check() -> bool:
            return self.up

        register(check)


async def statuses(channel: grpc.aio.Channel, service: str) -> AsyncIterator[int]:
    async for reply in health_pb2_grpc.HealthStub(channel).Watch(
        health_pb2.HealthCheckRequest(service=service)
    ):
        yield int(reply.status)


async def next_status(stream: AsyncIterator[int]) -> int:
    # A hang guard, not a measurement: transitions come within one check interval.
    return await asyncio.wait_for(anext(stream), timeout=30)


async def test_a_failing_plugin_check_turns_its_services_and_readiness_not_serving(
    crm_host: StartHost,
) -> None:
    plugin = MailServer()
    channel = (await crm_host((plugin, "mail"))).channel
    service = statuses(channel, "crmtest.v1.EchoService")
    overall = statuses(channel, "")
    assert await next_status(service) == SERVING
    assert await next_status(overall) == SERVING
    plugin.up = False
    assert await next_status(service) == NOT_SERVING
    assert await next_status(overall) == NOT_SERVING
    liveness = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="liveness")
    )
    assert liveness.status == SERVING
    plugin.up = True
    assert await next_status(service) == SERVING
    assert await next_status(overall) == SERVING


@pytest.mark.parametrize("crm_database_url", ["postgresql"], indirect=True)
async def test_readiness_follows_the_database_down_and_back_up(crm_database_url: str) -> None:
    """The host's own database role is locked out and its connections killed."""
    role = f"crm_outage_{uuid.uuid4().hex[:8]}"
    url = crm_database_url
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")

    def sql(statement: str, **params: str) -> None:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(statement), params)

    schema = str(sqlalchemy.engine.make_url(url).query["options"]).split("=", 1)[1]
    sql(f'CREATE ROLE "{role}" LOGIN')
    sql(f'GRANT ALL ON SCHEMA "{schema}" TO "{role}"')
    host_url = sqlalchemy.engine.make_url(url).set(username=role)
    test_host = await start_test_host(
        [(testplugins.notes, "notes")], host_url.render_as_string(hide_password=False)
    )
    try:
        overall = statuses(test_host.channel, "")
        assert await next_status(overall) == SERVING
        sql(f'ALTER ROLE "{role}" NOLOGIN')
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r", r=role)
        assert await next_status(overall) == NOT_SERVING
        sql(f'ALTER ROLE "{role}" LOGIN')
        assert await next_status(overall) == SERVING
    finally:
        await stop_test_host(test_host)
        sql(f'DROP OWNED BY "{role}"')
        sql(f'DROP ROLE "{role}"')
    admin.dispose()


async def test_stop_drains_before_it_stops_taking_calls(crm_database_url: str) -> None:
    test_host = await start_test_host(
        [(AsyncEchoPlugin(), "echo")], crm_database_url, drain_delay=1
    )
    echo = echo_pb2_grpc.EchoServiceStub(test_host.channel)
    overall = statuses(test_host.channel, "")
    assert await next_status(overall) == SERVING
    stopping = asyncio.ensure_future(test_host.host.stop())
    assert await next_status(overall) == NOT_SERVING
    # Still draining: calls from clients that have not noticed yet are served.
    assert (await echo.Echo(echo_pb2.EchoRequest(message="late"), timeout=10)).message == "late"
    await stopping
    await test_host.channel.close()


async def test_an_oversize_message_is_resource_exhausted(crm_database_url: str) -> None:
    test_host = await start_test_host(
        [(AsyncEchoPlugin(), "echo")], crm_database_url, max_receive_message_bytes=1024
    )
    try:
        echo = echo_pb2_grpc.EchoServiceStub(test_host.channel)
        assert (await echo.Echo(echo_pb2.EchoRequest(message="x" * 100))).message
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await echo.Echo(echo_pb2.EchoRequest(message="x" * 5000), timeout=10)
        assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        await stop_test_host(test_host)


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made now."""
    return make_pki(tmp_path)


async def echo_over(channel: grpc.aio.Channel) -> grpc.StatusCode:
    try:
        await echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(message="hi"), timeout=10
        )
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("mutual", [False, True], ids=["tls", "mtls"])
async def test_tls_and_mutual_tls(
    crm_database_url: str, pki: dict[str, Path], mutual: bool
) -> None:
    test_host = await start_test_host(
        [(AsyncEchoPlugin(), "echo")],
        crm_database_url,
        tls_cert=str(pki["server_cert"]),
        tls_key=str(pki["server_key"]),
        tls_client_ca=str(pki["ca"]) if mutual else None,
    )
    address = f"127.0.0.1:{test_host.port}"
    ca = pki["ca"].read_bytes()
    client_pair = {
        "private_key": pki["client_key"].read_bytes(),
        "certificate_chain": pki["client_cert"].read_bytes(),
    }
    try:
        with_cert = grpc.ssl_channel_credentials(ca, **client_pair)
        async with grpc.aio.secure_channel(address, with_cert) as channel:
            assert await echo_over(channel) == grpc.StatusCode.OK
        without_cert = grpc.ssl_channel_credentials(ca)
        async with grpc.aio.secure_channel(address, without_cert) as channel:
            expected = grpc.StatusCode.UNAVAILABLE if mutual else grpc.StatusCode.OK
            assert await echo_over(channel) == expected
        async with grpc.aio.insecure_channel(address) as channel:
            assert await echo_over(channel) == grpc.StatusCode.UNAVAILABLE
    finally:
        await stop_test_host(test_host)


async def test_calls_without_a_deadline_get_the_default_one(crm_database_url: str) -> None:
    plugin = AsyncEchoPlugin()
    test_host = await start_test_host(
        [(plugin, "echo")], crm_database_url, default_deadline_seconds=0.2
    )
    try:
        echo = echo_pb2_grpc.EchoServiceStub(test_host.channel)
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            # "hold" never answers until released: only a deadline ends it.
            await echo.Echo(echo_pb2.EchoRequest(message="hold"))
        error = rich_error(failure.value)
        assert (error.code, error.reason, error.metadata) == (
            grpc.StatusCode.DEADLINE_EXCEEDED,
            "DEFAULT_DEADLINE_EXCEEDED",
            {"deadlineSeconds": "0.2"},
        )
        # The host is unharmed and answers the next call.
        assert (await echo.Echo(echo_pb2.EchoRequest(message="ok"))).message == "ok"
    finally:
        plugin.servicer.release.set()
        await stop_test_host(test_host)


class BrokenCheck(AsyncEchoPlugin):
    """A health check that raises before it even returns an awaitable."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False

    @hookimpl
    def register_health_checks(self, register: RegisterHealthCheck) -> None:
        def check() -> Any:
            if self.broken:
                raise RuntimeError("the check itself is broken")
            return asyncio.sleep(0, result=True)

        register(check)


async def test_a_check_that_raises_reports_not_serving_and_checking_goes_on(
    crm_host: StartHost,
) -> None:
    plugin = BrokenCheck()
    channel = (await crm_host((plugin, "broken"))).channel
    overall = statuses(channel, "")
    assert await next_status(overall) == SERVING
    plugin.broken = True
    assert await next_status(overall) == NOT_SERVING
    plugin.broken = False
    assert await next_status(overall) == SERVING
