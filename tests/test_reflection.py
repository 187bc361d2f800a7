"""Server reflection, v1alpha and v1, with names derived from the registered descriptors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection_pb2

import testplugins.notes
from crm_host.testing import HOST_SERVICES, StartHost, TestHost

EXPECTED_SERVICES = {"crmtest.v1.NotesService", *HOST_SERVICES}
VERSIONS = ["grpc.reflection.v1alpha", "grpc.reflection.v1"]


class ReflectionClient:
    """A minimal reflection client that speaks either protocol version.

    The two versions' messages are identical on the wire, so one set of message
    classes serves both; only the method path differs.
    """

    def __init__(self, channel: grpc.aio.Channel, package: str) -> None:
        self._call = channel.stream_stream(
            f"/{package}.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )

    async def ask(self, **request: str) -> reflection_pb2.ServerReflectionResponse:
        async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
            yield reflection_pb2.ServerReflectionRequest(**request)

        responses = [response async for response in self._call(requests(), timeout=10)]
        assert len(responses) == 1
        return responses[0]

    async def list_services(self) -> set[str]:
        response = await self.ask(list_services="")
        return {service.name for service in response.list_services_response.service}

    async def pool_for(self, symbol: str) -> descriptor_pool.DescriptorPool:
        """A descriptor pool built only from what the server sends for ``symbol``."""
        response = await self.ask(file_containing_symbol=symbol)
        assert not response.HasField("error_response"), response.error_response
        pool = descriptor_pool.DescriptorPool()
        files = [
            descriptor_pb2.FileDescriptorProto.FromString(raw)
            for raw in response.file_descriptor_response.file_descriptor_proto
        ]
        # Dependencies first: add until every file went in.
        while files:
            remaining = []
            for file in files:
                try:
                    pool.Add(file)
                except TypeError:
                    remaining.append(file)
            assert len(remaining) < len(files)
            files = remaining
        return pool


@pytest.fixture
async def reflection_host(crm_host: StartHost) -> TestHost:
    return await crm_host((testplugins.notes, "notes"))


@pytest.mark.parametrize("package", VERSIONS)
async def test_lists_plugin_health_and_reflection_services(
    reflection_host: TestHost, package: str
) -> None:
    client = ReflectionClient(reflection_host.channel, package)
    assert await client.list_services() == EXPECTED_SERVICES


@pytest.mark.parametrize("package", VERSIONS)
async def test_resolves_the_create_note_request_type(
    reflection_host: TestHost, package: str
) -> None:
    client = ReflectionClient(reflection_host.channel, package)
    pool = await client.pool_for("crmtest.v1.NotesService")
    method = pool.FindMethodByName("crmtest.v1.NotesService.CreateNote")
    request = method.input_type
    assert request.full_name == "crmtest.v1.CreateNoteRequest"
    assert [(f.name, f.number) for f in request.fields] == [("text", 1), ("request_id", 2)]
    assert method.output_type.full_name == "crmtest.v1.Note"


@pytest.mark.parametrize("package", VERSIONS)
async def test_every_listed_service_can_be_described(
    reflection_host: TestHost, package: str
) -> None:
    client = ReflectionClient(reflection_host.channel, package)
    for service in sorted(await client.list_services()):
        pool = await client.pool_for(service)
        assert pool.FindServiceByName(service).methods
