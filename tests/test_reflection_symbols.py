"""Reflection resolves every symbol grpcurl asks for, in both protocol versions.

Go servers answer file_containing_symbol for methods and enum values too;
protobuf's Python pool alone does not (crm_host.builtins.reflection).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2

from crm_host.builtins.reflection import V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME
from crm_host.testing import TestHost, start_test_host, stop_test_host
from testplugins.echo import AsyncEchoPlugin

# grpcio-health-checking registers its proto under this name.
HEALTH_FILE = "grpc_health/v1/health.proto"
RESOLVABLE = {
    "crmtest.v1.EchoService": "crmtest/v1/echo.proto",
    "crmtest.v1.EchoService.Echo": "crmtest/v1/echo.proto",
    "crmtest.v1.EchoRequest": "crmtest/v1/echo.proto",
    "crmtest.v1.EchoRequest.message": "crmtest/v1/echo.proto",
    "grpc.health.v1.Health.Watch": HEALTH_FILE,
    "grpc.health.v1.HealthCheckResponse.ServingStatus": HEALTH_FILE,
    "grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING": HEALTH_FILE,
    # protobuf's scoping: enum values are also siblings of their enum.
    "grpc.health.v1.HealthCheckResponse.SERVING": HEALTH_FILE,
    "grpc.reflection.v1.ServerReflection.ServerReflectionInfo": (
        "grpc/reflection/v1/reflection.proto"
    ),
}
UNKNOWN = [
    "crmtest.v1.EchoService.Shout",
    "crmtest.v1.NoSuchService",
    "grpc.health.v1.HealthCheckResponse.ServingStatus.ASLEEP",
    "",
]


@pytest.fixture
async def echo_host(tmp_path: Path) -> AsyncIterator[TestHost]:
    test_host = await start_test_host([(AsyncEchoPlugin(), "echo")], f"sqlite:///{tmp_path}/x.db")
    yield test_host
    await stop_test_host(test_host)


async def ask(channel: grpc.aio.Channel, service: str, symbol: str) -> object:
    method = channel.stream_stream(
        f"/{service}/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    call = method(iter([reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)]))
    [response] = [reply async for reply in call]
    return response


@pytest.mark.parametrize("service", [V1ALPHA_SERVICE_NAME, V1_SERVICE_NAME])
@pytest.mark.parametrize(("symbol", "file"), RESOLVABLE.items())
async def test_every_symbol_resolves_to_its_file(
    echo_host: TestHost, service: str, symbol: str, file: str
) -> None:
    response = await ask(echo_host.channel, service, symbol)
    assert isinstance(response, reflection_pb2.ServerReflectionResponse)
    assert response.WhichOneof("message_response") == "file_descriptor_response"
    names = []
    for raw in response.file_descriptor_response.file_descriptor_proto:
        proto = descriptor_pb2.FileDescriptorProto()
        proto.ParseFromString(raw)
        names.append(proto.name)
    # The file first, then what it imports.
    assert names[0] == file


@pytest.mark.parametrize("service", [V1ALPHA_SERVICE_NAME, V1_SERVICE_NAME])
@pytest.mark.parametrize("symbol", UNKNOWN)
async def test_unknown_symbols_are_not_found(
    echo_host: TestHost, service: str, symbol: str
) -> None:
    response = await ask(echo_host.channel, service, symbol)
    assert isinstance(response, reflection_pb2.ServerReflectionResponse)
    assert response.WhichOneof("message_response") == "error_response"
    assert response.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
