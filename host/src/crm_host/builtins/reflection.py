"""Server reflection, in both protocol versions.

grpcio-reflection only serves ``grpc.reflection.v1alpha``, while newer grpcurl,
grpcui and Postman ask for ``grpc.reflection.v1`` first. The two protos differ
only in their package name, so their messages are identical on the wire: we
derive the v1 file descriptor from the installed v1alpha one (so v1 can be
described through reflection too) and route v1 calls to the same servicer.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
import grpc.aio
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2

V1ALPHA_SERVICE_NAME: str = reflection.SERVICE_NAME
V1_PACKAGE = "grpc.reflection.v1"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
_V1_FILE = "grpc/reflection/v1/reflection.proto"


def _add_v1_descriptor(pool: descriptor_pool.DescriptorPool) -> None:
    try:
        pool.FindFileByName(_V1_FILE)
        return
    except KeyError:
        pass
    file = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(file)
    alpha_package = file.package
    file.name = _V1_FILE
    file.package = V1_PACKAGE
    file.ClearField("options")
    types = [field for message in file.message_type for field in message.field]
    methods = [method for service in file.service for method in service.method]
    for field in types:
        if field.type_name:
            field.type_name = field.type_name.replace(f".{alpha_package}.", f".{V1_PACKAGE}.")
    for method in methods:
        for attr in ("input_type", "output_type"):
            setattr(
                method,
                attr,
                getattr(method, attr).replace(f".{alpha_package}.", f".{V1_PACKAGE}."),
            )
    pool.AddSerializedFile(file.SerializeToString())


def enable(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Serve reflection (v1alpha and v1) listing ``service_names`` and both reflection services."""
    _add_v1_descriptor(descriptor_pool.Default())
    names = (*service_names, V1ALPHA_SERVICE_NAME, V1_SERVICE_NAME)
    servicer = reflection.aio.ReflectionServicer(names)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(service, {"ServerReflectionInfo": handler})
            for service in (V1ALPHA_SERVICE_NAME, V1_SERVICE_NAME)
        ]
    )
