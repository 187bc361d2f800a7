"""grpc.health.v1: readiness, liveness, per-service status, and the SIGTERM drain."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import testplugins.notes
from crm_host.testing import HostProcess, StartHost
from support.notes import Notes, add_author

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
NOTES = (testplugins.notes, "notes")


async def check(channel: grpc.aio.Channel, service: str) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=service), timeout=10
    )
    return int(reply.status)


@pytest.mark.parametrize("service", ["", "liveness", "crmtest.v1.NotesService"])
async def test_serving_once_started(crm_host: StartHost, service: str) -> None:
    host = await crm_host(NOTES)
    assert await check(host.channel, service) == SERVING


async def test_unknown_service_name_is_not_found(crm_host: StartHost) -> None:
    host = await crm_host(NOTES)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await check(host.channel, "crmtest.v1.NoSuchService")
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND


async def test_sigterm_reports_not_serving_drains_and_exits_zero(
    serve_notes: Callable[[], HostProcess],
) -> None:
    process = serve_notes()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{process.port}") as channel:
        while await check(channel, "") != SERVING:
            await asyncio.sleep(0.05)
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service="crmtest.v1.NotesService")
        )
        assert (await watch.read()).status == SERVING
        process.process.terminate()
        assert (await watch.read()).status == NOT_SERVING
    assert await asyncio.to_thread(process.wait) == 0
    assert "shutting down" in process.output
    assert " crm_host: stopped\n" in process.output


async def test_sigterm_lets_slow_calls_in_flight_finish_and_refuses_new_ones(
    serve_notes: Callable[..., HostProcess], tmp_path: Path
) -> None:
    """Creates that wait a second before they write are in flight when SIGTERM arrives."""
    url = f"sqlite:///{tmp_path / 'slow.db'}"
    process = serve_notes(
        "--database-url", url, "--grace", "30", env={"CRM_NOTES__WRITE_DELAY_SECONDS": "1"}
    )
    writer = add_author(url, "writer")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{process.port}") as channel:
        while await check(channel, "") != SERVING:
            await asyncio.sleep(0.05)
        client = Notes(channel, writer)
        in_flight = [asyncio.ensure_future(client.create(f"slow {i}")) for i in range(5)]
        await asyncio.sleep(0.2)
        process.process.send_signal(signal.SIGTERM)
        created = await asyncio.gather(*in_flight)
        assert len({note.id for note in created}) == 5
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await client.create("late")
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await asyncio.to_thread(process.wait) == 0
