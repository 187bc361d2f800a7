"""The kit at run time: one per host, serving every plugin's declared resources.

:class:`Kit` is what ``register_services`` receives as ``kit``.
``kit.serve(...)`` registers a plugin's service with the standard methods of
its resources filled in (the servicer's own methods win), with access
policies and request bounds derived from the declarations. A plugin's custom
methods reach the same machinery through :meth:`Kit.resource`.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.protobuf.descriptor import ServiceDescriptor
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_host.kit import methods, paging, references
from crm_host.kit.declaration import Resource
from crm_host.kit.idempotency import Answers
from crm_host.kit.resource import BoundResource
from crm_host.kit.store import AnsweredRequest, HostSecret

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from crm_host.database import Database
    from crm_host.events import Events
    from crm_host.hookspecs import RegisterService

PAGE_TOKEN_KEY = "kit.page_token_key"  # noqa: S105 - the name of the row, not a secret


class Kit:
    """The host's resource kit."""

    def __init__(self, database: Database, events: Events | None = None) -> None:
        self.database = database
        # Where the standard methods publish their events; None: nowhere.
        self.events = events
        self.answers = Answers(database)
        self._resources: dict[str, BoundResource] = {}
        self._page_key: bytes | None = None
        self._page_tokens: dict[str, paging.PageTokens] = {}

    @property
    def resources(self) -> list[BoundResource]:
        return list(self._resources.values())

    def resource(self, name: str) -> BoundResource:
        """The served resource ``name`` (``"contacts.person"``); KeyError if none."""
        return self._resources[name]

    def served(self, name: str) -> BoundResource | None:
        return self._resources.get(name)

    # -- registration -----------------------------------------------------------

    def serve(
        self,
        register: RegisterService,
        servicer: object,
        descriptor: ServiceDescriptor,
        add_to_server: Callable[[Any, Any], None],
        *,
        resources: Sequence[Resource],
        policies: Mapping[str, str] | None = None,
        field_max_bytes: Mapping[str, Mapping[str, int]] | None = None,
    ) -> None:
        """Register ``servicer`` as ``descriptor``'s service, standard methods filled in.

        For each resource, the standard methods the service declares
        (crm_host.kit.methods) are served by the kit unless the servicer
        defines them itself; their access policies come from the resource's
        ``access`` and their request bounds from its fields. ``policies`` and
        ``field_max_bytes`` are for the other (custom) methods, and override
        the derived ones.
        """
        derived_policies: dict[str, str] = {}
        derived_sizes: dict[str, dict[str, int]] = {}
        for declaration in resources:
            if declaration.name in self._resources:
                raise ValueError(f"resource {declaration.name} is declared twice")
            bound = BoundResource(self, declaration, str(descriptor.full_name))
            self._resources[declaration.name] = bound
            access = declaration.access
            for kind, method in methods.standard_methods(descriptor, declaration).items():
                derived_policies[method.name] = {
                    "get": access.read,
                    "list": access.list_policy or access.read,
                    "create": access.create,
                }.get(kind, access.write)
                if not methods.overridden(servicer, method.name):
                    setattr(servicer, method.name, methods.handler(bound, kind, method))
                field = methods.resource_field(method.input_type, declaration)
                if field is not None:
                    bound.request_field = field
                    derived_sizes[method.name] = bound.field_max_bytes(f"{field}.")
        register(
            servicer=servicer,
            add_to_server=add_to_server,
            descriptor=descriptor,
            policies={**derived_policies, **(policies or {})},
            field_max_bytes={**derived_sizes, **(field_max_bytes or {})},
        )

    def declare_events(self) -> None:
        """Declare the standard event types of every served resource.

        ``<resource>.created``, ``updated``, ``deleted`` (and ``undeleted``
        where soft-deleted) ``.v1``, carrying the resource message; a type
        its plugin declared itself (with that message) is left as it is.
        """
        if self.events is None:
            return
        for bound in self._resources.values():
            declaration = bound.declaration
            verbs = (
                ("created", "updated", "deleted", "undeleted")
                if bound.soft
                else ("created", "updated", "deleted")
            )
            for verb in verbs:
                name = f"{declaration.name}.{verb}.v1"
                declared = self.events.types.get(name)
                if declared is None:
                    self.events.types.declare(
                        declaration.plugin,
                        name,
                        declaration.message,
                        description=f"a {declaration.singular} was {verb}",
                    )
                elif declared.message is not declaration.message:
                    raise ValueError(
                        f"event type {name} must carry {declaration.singular}, the kit publishes it"
                    )

    def publish(
        self,
        session: Session,
        bound: BoundResource,
        verb: str,
        message: Message,
        mask: Sequence[str] = (),
    ) -> None:
        """Publish ``<resource>.<verb>.v1`` about ``message`` in ``session``'s transaction."""
        if self.events is None:
            return
        self.events.publish(
            session,
            f"{bound.declaration.name}.{verb}.v1",
            getattr(message, "id", ""),
            message,
            extensions={"updatemask": ",".join(mask)} if mask else None,
        )

    def check_references(self) -> list[str]:
        """Problems with declared references (an unserved target), one line each."""
        return [
            f"{bound.declaration.name}.{reference.field} refers to {reference.target}, "
            "which no loaded plugin serves"
            for bound in self._resources.values()
            for reference in bound.declaration.references
            if reference.target not in self._resources
        ]

    # -- for custom methods ---------------------------------------------------------

    def delete_rows(self, session: Session, bound: BoundResource, ids: Sequence[str]) -> None:
        """Delete resources as Delete does, in ``session``'s transaction."""
        references.delete_rows(self, session, bound, ids)

    def repoint(self, session: Session, target: str, from_ids: Sequence[str], to_id: str) -> int:
        """Make every reference to ``from_ids`` of ``target`` refer to ``to_id`` (merges)."""
        return references.repoint(self, session, target, from_ids, to_id)

    # -- page tokens ------------------------------------------------------------------

    async def page_tokens(self, resource: str) -> paging.PageTokens:
        tokens = self._page_tokens.get(resource)
        if tokens is None:
            if self._page_key is None:
                try:
                    self._page_key = await self.database.transaction(_page_token_key)
                except IntegrityError:
                    # Another replica made it first, in the same moment: use theirs.
                    self._page_key = await self.database.transaction(_page_token_key)
            tokens = self._page_tokens[resource] = paging.PageTokens(self._page_key, resource)
        return tokens

    # -- purging ----------------------------------------------------------------------

    async def purge(self, retention: timedelta, batch: int = 500) -> int:
        """Delete expired soft-deleted resources and request ids older than ``retention``.

        At most ``batch`` rows of each table per call, each table in a
        transaction of its own; returns how many rows went.
        """
        now = datetime.now(UTC)
        table: Any = AnsweredRequest.__table__

        def requests(session: Session) -> int:
            old = [
                (row.scope, row.request_id)
                for row in session.execute(
                    select(table.c.scope, table.c.request_id)
                    .where(table.c.create_time < now - retention)
                    .limit(batch)
                )
            ]
            for scope, request_id in old:
                session.execute(
                    delete(table).where(table.c.scope == scope, table.c.request_id == request_id)
                )
            return len(old)

        removed = await self.database.transaction(requests)
        for bound in self.resources:
            if bound.soft:
                removed += await self.database.transaction(
                    functools.partial(_purge_expired, bound=bound, now=now, batch=batch)
                )
        return removed


def _purge_expired(session: Session, bound: BoundResource, now: datetime, batch: int) -> int:
    expire_time = bound.table.c.expire_time
    expired = [
        row.id
        for row in session.execute(
            select(bound.id_column).where(expire_time.is_not(None), expire_time < now).limit(batch)
        )
    ]
    if expired:
        session.execute(delete(bound.table).where(bound.id_column.in_(expired)))
    return len(expired)


def _page_token_key(session: Session) -> bytes:
    """The key every replica seals page tokens with, made by whichever needs it first.

    IntegrityError when another replica made it since this one looked.
    """
    secret = session.get(HostSecret, PAGE_TOKEN_KEY)
    if secret is None:
        secret = HostSecret(name=PAGE_TOKEN_KEY, value=secrets.token_hex(32))
        session.add(secret)
        session.flush()
    return bytes.fromhex(secret.value)


__all__ = ["Kit"]
