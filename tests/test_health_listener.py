"""--health-listen: a plaintext port serving grpc.health.v1 and nothing else.

Kubernetes' gRPC probes speak plaintext only; with TLS on the main port,
they need a port of their own.
"""

from __future__ import annotations

from pathlib import Path

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from crm_host.testing import start_test_host, stop_test_host
from support.pki import make_pki
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import AsyncEchoPlugin

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def test_probes_answer_in_plaintext_while_the_main_port_speaks_tls(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    test_host = await start_test_host(
        [(AsyncEchoPlugin(), "echo")],
        f"sqlite:///{tmp_path}/crm.db",
        tls_cert=str(pki["server_cert"]),
        tls_key=str(pki["server_key"]),
        health_listen="127.0.0.1:0",
    )
    host = test_host.host
    assert host.health_port is not None
    assert host.health_port != host.port
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.health_port}") as probes:
            health = health_pb2_grpc.HealthStub(probes)
            for name in ("", "liveness", "crmtest.v1.EchoService"):
                reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10)
                assert reply.status == SERVING, name
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""))
            assert (await watch.read()).status == SERVING

            # Nothing else: not the plugins' services, not reflection.
            with pytest.raises(grpc.aio.AioRpcError) as echo:
                await echo_pb2_grpc.EchoServiceStub(probes).Echo(
                    echo_pb2.EchoRequest(message="hi"), timeout=10
                )
            assert echo.value.code() == grpc.StatusCode.UNIMPLEMENTED
            reflection = reflection_pb2_grpc.ServerReflectionStub(probes)
            with pytest.raises(grpc.aio.AioRpcError) as listing:
                async for _ in reflection.ServerReflectionInfo(
                    iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
                ):
                    pass
            assert listing.value.code() == grpc.StatusCode.UNIMPLEMENTED

            # The main port speaks TLS, to every service.
            credentials = grpc.ssl_channel_credentials(pki["ca"].read_bytes())
            main = f"127.0.0.1:{host.port}"
            async with grpc.aio.secure_channel(main, credentials) as secure:
                echoed = await echo_pb2_grpc.EchoServiceStub(secure).Echo(
                    echo_pb2.EchoRequest(message="hi"), timeout=10
                )
                assert echoed.message == "hi"

            # A Watch on the probe port sees the host going away.
            await host.stop(grace=1)
            assert (await watch.read()).status == NOT_SERVING
    finally:
        await stop_test_host(test_host)


async def test_without_the_option_there_is_no_probe_port(tmp_path: Path) -> None:
    test_host = await start_test_host([(AsyncEchoPlugin(), "echo")], f"sqlite:///{tmp_path}/x.db")
    try:
        assert test_host.host.health_port is None
    finally:
        await stop_test_host(test_host)
