"""Server reflection, in both protocol versions, as a built-in plugin.

grpcio-reflection only serves ``grpc.reflection.v1alpha``, while newer grpcurl,
grpcui and Postman ask for ``grpc.reflection.v1`` first. The two protos differ
only in their package name, so their messages are identical on the wire: the
v1 file descriptor is derived from the installed v1alpha one (so v1 can be
described through reflection too) and v1 calls go to the same servicer.

protobuf's Python descriptor pool finds services, messages, enums and fields
by name, but not a service's methods (``pkg.Service.Method``) or an enum's
values by their full name, which grpcurl asks for and Go servers resolve: the
servicer looks those up through their parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import grpc
import grpc.aio
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha._base import _file_descriptor_response, _not_found_error

from crm_host import hookimpl
from crm_host.auth import PUBLIC
from crm_host.hookspecs import RegisterService

V1ALPHA_SERVICE_NAME: str = reflection.SERVICE_NAME
V1_PACKAGE = "grpc.reflection.v1"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
_V1_FILE = "grpc/reflection/v1/reflection.proto"


def v1_descriptor(pool: descriptor_pool.DescriptorPool) -> Any:
    """The grpc.reflection.v1 file descriptor, added to ``pool`` on first use."""
    try:
        return pool.FindFileByName(_V1_FILE)
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
    return pool.FindFileByName(_V1_FILE)


def _member_file(pool: descriptor_pool.DescriptorPool, symbol: str) -> Any:
    """The file of a method or enum value named in full, which the pool cannot find."""
    parent, _, member = symbol.rpartition(".")
    try:
        service = pool.FindServiceByName(parent)
    except KeyError:
        pass
    else:
        if member in service.methods_by_name:
            return service.file
    try:
        enum = pool.FindEnumTypeByName(parent)
    except KeyError:
        pass
    else:
        if member in enum.values_by_name:
            return enum.file
    raise KeyError(symbol)


class ReflectionServicer(reflection.aio.ReflectionServicer):  # type: ignore[misc]
    """grpcio-reflection's servicer, listing the host's services as they are at call time."""

    def __init__(self, names: Callable[[], Iterable[str]]) -> None:
        super().__init__(())
        self._names = names

    def _list_services(self, request: Any) -> Any:
        self._service_names = tuple(sorted(self._names()))
        return super()._list_services(request)

    def _file_containing_symbol(self, request: Any, fully_qualified_name: str) -> Any:
        try:
            file = self._pool.FindFileContainingSymbol(fully_qualified_name)
        except KeyError:
            try:
                file = _member_file(self._pool, fully_qualified_name)
            except KeyError:
                return _not_found_error(request)
        return _file_descriptor_response(file, request)


class ReflectionPlugin:
    """Serves reflection (v1alpha and v1), public, listing every registered service."""

    def __init__(self, names: Callable[[], Iterable[str]]) -> None:
        self.servicer = ReflectionServicer(names)

    @hookimpl
    def register_services(self, register: RegisterService) -> None:
        pool = descriptor_pool.Default()
        v1 = v1_descriptor(pool).services_by_name["ServerReflection"]
        v1alpha = reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"]
        for descriptor, add in ((v1alpha, _add_v1alpha), (v1, _add_v1)):
            register(
                servicer=self.servicer,
                add_to_server=add,
                descriptor=descriptor,
                policies={method.name: PUBLIC for method in descriptor.methods},
                readiness=False,
            )


def _add_v1alpha(servicer: ReflectionServicer, server: grpc.aio.Server) -> None:
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)


def _add_v1(servicer: ReflectionServicer, server: grpc.aio.Server) -> None:
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(V1_SERVICE_NAME, {"ServerReflectionInfo": handler})]
    )
