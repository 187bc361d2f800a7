"""The standard methods' gRPC handlers, found in a service by their AIP names.

For a resource ``Person`` (plural ``People``) a service may declare
``GetPerson``, ``ListPeople``, ``CreatePerson``, ``UpdatePerson``,
``DeletePerson`` and ``UndeletePerson``, with AIP's request fields: ``id``;
``page_size``, ``page_token``, ``filter``, ``order_by`` and
``show_deleted``; the resource (``person``) and ``request_id``; the
resource and ``update_mask``; ``id`` and ``etag``. List answers with the
resource's repeated field and ``next_page_token``; Delete with the resource
when it is soft-deleted, else ``google.protobuf.Empty``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import empty_pb2, message_factory
from google.protobuf.descriptor import Descriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message

from crm_host.auth import principal
from crm_host.kit.declaration import Resource
from crm_host.kit.resource import BoundResource

KINDS = ("get", "list", "create", "update", "delete", "undelete")


def standard_methods(
    service: ServiceDescriptor, declaration: Resource
) -> dict[str, MethodDescriptor]:
    """The standard methods of ``declaration`` that ``service`` declares, by kind."""
    singular, plural = declaration.singular, declaration.collection
    names = {
        "get": f"Get{singular}",
        "list": f"List{plural}",
        "create": f"Create{singular}",
        "update": f"Update{singular}",
        "delete": f"Delete{singular}",
        "undelete": f"Undelete{singular}",
    }
    methods = service.methods_by_name
    found = {kind: methods[name] for kind, name in names.items() if name in methods}
    if "undelete" in found and declaration.soft_delete is None:
        raise ValueError(f"{found['undelete'].name}: {declaration.name} is not soft-deleted")
    return found


def of_resource(field: Any, declaration: Resource) -> bool:
    message: Any = declaration.message
    return field.message_type is not None and bool(
        field.message_type.full_name == message.DESCRIPTOR.full_name
    )


def resource_field(request: Descriptor, declaration: Resource) -> str | None:
    """The request's field holding the resource (Create, Update), if any."""
    for field in request.fields:
        if of_resource(field, declaration) and not field.is_repeated:
            return str(field.name)
    return None


def overridden(servicer: object, name: str) -> bool:
    """Whether ``servicer``'s class defines ``name`` itself, not only its generated base."""
    for cls in type(servicer).__mro__:
        if name in cls.__dict__:
            return not cls.__module__.endswith("_pb2_grpc")
    return False


def handler(bound: BoundResource, kind: str, method: MethodDescriptor) -> Callable[..., Any]:
    """The async gRPC handler of one standard method."""
    if kind == "get":

        async def get(request: Any, context: Any) -> Message:
            return await bound.get(bound.parse_id(request.id, "id"), principal(context))

        return get

    if kind == "list":
        return _list_handler(bound, method.output_type)

    if kind in ("create", "update"):
        field = resource_field(method.input_type, bound.declaration)
        if field is None:
            raise ValueError(f"{method.name}: its request has no {bound.declaration.singular}")

        if kind == "create":

            async def create(request: Any, context: Any) -> Message:
                return await bound.create(
                    getattr(request, field),
                    principal(context),
                    getattr(request, "request_id", ""),
                    request,
                )

            return create

        async def update(request: Any, context: Any) -> Message:
            return await bound.update(
                getattr(request, field), request.update_mask, principal(context)
            )

        return update

    if kind == "delete":

        async def delete(request: Any, context: Any) -> Message:
            resource_id = bound.parse_id(request.id, "id")
            etag = getattr(request, "etag", "")
            deleted = await bound.delete(resource_id, etag, principal(context))
            return empty_pb2.Empty() if deleted is None else deleted

        return delete

    async def undelete(request: Any, context: Any) -> Message:
        resource_id = bound.parse_id(request.id, "id")
        return await bound.undelete(resource_id, getattr(request, "etag", ""), principal(context))

    return undelete


def _list_handler(bound: BoundResource, output: Descriptor) -> Callable[..., Any]:
    repeated = next(
        (f.name for f in output.fields if f.is_repeated and of_resource(f, bound.declaration)),
        None,
    )
    if repeated is None:
        raise ValueError(f"{output.name} has no repeated {bound.declaration.singular} field")
    response_type: Any = message_factory.GetMessageClass(output)

    async def list_(request: Any, context: Any) -> Message:
        items, token = await bound.list(
            page_size=request.page_size,
            page_token=request.page_token,
            filter=request.filter,
            order_by=request.order_by,
            show_deleted=bool(getattr(request, "show_deleted", False)),
        )
        response = response_type()
        getattr(response, repeated).extend(items)
        response.next_page_token = token
        result: Message = response
        return result

    return list_
