"""One declared resource as the kit serves it: reads, writes, their checks and errors.

A :class:`BoundResource` is made from a :class:`~crm_host.kit.Resource`
declaration once per host. Its ``get``, ``list``, ``create``, ``update``,
``delete`` and ``undelete`` are the standard methods' behaviour; a plugin's
custom methods use the same pieces (``load``, ``to_message``, ``write``,
``parse_id``, the errors) inside their own transactions.

Errors carry one ErrorInfo in the service's domain, and BadRequest field
violations name request fields (``person.emails``): a missing resource is
``<KIND>_NOT_FOUND``, an invalid field ``<FIELD>_EMPTY``, ``_TOO_LONG``,
``_TOO_MANY``, a clash ``<FIELD>_ALREADY_EXISTS``, a stale etag
``ETAG_MISMATCH`` (ABORTED).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import grpc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from sqlalchemy import String, bindparam, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm_host.auth import Principal
from crm_host.errors import FieldViolation, ServiceError, one_per_field
from crm_host.kit import idempotency, masks, paging, references
from crm_host.kit.codec import Codec, etag_of, is_timestamp, valid_timestamp
from crm_host.kit.declaration import MANAGED_FIELDS, Resource, Rule, Unique
from crm_host.kit.filtering import Filterable, FilterError, ValueType, compare, parse_filter

if TYPE_CHECKING:
    from crm_host.kit.runtime import Kit

# A write that loses a race on the version column is retried this often
# (without an etag; with one, the client asked to fail instead).
WRITE_ATTEMPTS = 5
_UUID_LENGTH = 36
_INTEGERS = frozenset(
    {
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_SFIXED64,
    }
)

upper = references.upper


def snake(name: str) -> str:
    """``"PhoneNumber"`` as ``"phone_number"``: AIP-133's name for the resource field."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


class BoundResource:
    """A declared resource, as the kit serves it: its codec, filters, orders and operations."""

    def __init__(self, kit: Kit, resource: Resource, domain: str) -> None:
        self.kit = kit
        self.declaration = resource
        self.domain = domain
        self.model: Any = resource.model
        self.table: Any = self.model.__table__
        self.codec = Codec(resource.message, self.table.columns.keys(), resource.fields)
        self.soft = resource.soft_delete is not None
        self.output_only = frozenset(
            {
                *(name for name in MANAGED_FIELDS if name in self.codec.descriptor.fields_by_name),
                *(name for name, f in resource.fields.items() if f.output_only),
            }
        )
        self.immutable = frozenset(name for name, f in resource.fields.items() if f.immutable)
        self.id_column: Any = self.table.c.id
        # The request field holding the resource in Create and Update
        # (AIP-133: the resource's name in snake case), for violations' paths.
        self.request_field = snake(resource.singular)
        self._read = select(*(self.table.c[name] for name in self.codec.columns)).where(
            self.id_column == bindparam("id")
        )
        # Timestamp fields a client writes: checked before they are stored.
        self.timestamps = tuple(
            field.name
            for field in self.codec.descriptor.fields
            if is_timestamp(field) and field.name not in self.output_only
        )
        self.floats = tuple(
            field.name
            for field in self.codec.descriptor.fields
            if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT)
            and not field.is_repeated
            and field.name not in self.output_only
        )
        self.filters = self._filterables()
        self.sortables = self._sortables()

    # -- what the declaration implies ---------------------------------------

    def _filterables(self) -> dict[str, Filterable]:
        declaration = self.declaration
        descriptor = self.codec.descriptor
        found: dict[str, Filterable] = {}
        for name, spec in declaration.fields.items():
            if not spec.filter:
                continue
            proto = descriptor.fields_by_name[name]
            column = spec.filter_column if spec.filter_column is not None else self.table.c[name]
            entry = proto.message_type
            if entry is not None and entry.GetOptions().map_entry:
                found[name] = Filterable(
                    name, ValueType.STRING, column, map_keys=True, compile=_json_map(column)
                )
                continue
            found[name] = Filterable(
                name,
                _value_type(proto),
                column,
                enum_values=(
                    tuple(v.name for v in proto.enum_type.values[1:])
                    if proto.enum_type is not None
                    else ()
                ),
                fold=spec.fold,
            )
        for name in ("create_time", "update_time", "delete_time"):
            if name in descriptor.fields_by_name and name in self.table.c:
                found.setdefault(name, Filterable(name, ValueType.TIMESTAMP, self.table.c[name]))
        for extra in declaration.extra_filters:
            found[extra.path] = extra
        return found

    def _sortables(self) -> dict[str, paging.Sortable]:
        found: dict[str, paging.Sortable] = {}
        for name, spec in self.declaration.fields.items():
            if spec.sort:
                column = spec.sort_column if spec.sort_column is not None else self.table.c[name]
                timestamp = is_timestamp(self.codec.descriptor.fields_by_name[name])
                sortable = paging.datetime_sortable if timestamp else paging.Sortable
                found[name] = sortable(name, column)
        for name in ("create_time", "update_time"):
            if name in self.table.c:
                found.setdefault(name, paging.datetime_sortable(name, self.table.c[name]))
        return found

    def field_max_bytes(self, prefix: str) -> dict[str, int]:
        """Request bounds (bytes) of the resource's fields under ``prefix``: 4 per character."""
        return {
            f"{prefix}{name}": spec.max_length * 4
            for name, spec in self.declaration.fields.items()
            if spec.max_length is not None
        }

    # -- errors -----------------------------------------------------------------

    def error(
        self,
        code: grpc.StatusCode,
        message: str,
        reason: str,
        *,
        metadata: Mapping[str, str] | None = None,
        violations: Sequence[FieldViolation] = (),
    ) -> ServiceError:
        """An error in the service's domain."""
        return ServiceError(
            code=code,
            message=message,
            reason=reason,
            domain=self.domain,
            metadata=dict(metadata or {}),
            field_violations=violations,
        )

    def invalid(self, violations: Sequence[FieldViolation]) -> ServiceError:
        """INVALID_ARGUMENT ``VALIDATION_FAILED`` naming each field."""
        return self.error(
            grpc.StatusCode.INVALID_ARGUMENT,
            "invalid request: " + "; ".join(f"{v.field}: {v.description}" for v in violations),
            "VALIDATION_FAILED",
            violations=violations,
        )

    def not_found(self, resource_id: str) -> ServiceError:
        return self.error(
            grpc.StatusCode.NOT_FOUND,
            f"no {self.declaration.singular.lower()} has the id {resource_id}",
            f"{upper(self.declaration.kind)}_NOT_FOUND",
            metadata={"id": resource_id},
        )

    def denied(self) -> ServiceError:
        return self.error(
            grpc.StatusCode.PERMISSION_DENIED,
            f"the caller may not act on this {self.declaration.singular.lower()}",
            "PERMISSION_DENIED",
        )

    def stale(self) -> ServiceError:
        return self.error(
            grpc.StatusCode.ABORTED,
            f"the {self.declaration.singular.lower()} changed since the etag was read; "
            "read it again and retry",
            "ETAG_MISMATCH",
        )

    def deleted(self, resource_id: str) -> ServiceError:
        return self.error(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"the {self.declaration.singular.lower()} is deleted; undelete it first",
            f"{upper(self.declaration.kind)}_DELETED",
            metadata={"id": resource_id},
        )

    def clash(self, key: Unique) -> ServiceError:
        label = key.name or key.field
        return self.error(
            grpc.StatusCode.ALREADY_EXISTS,
            f"another {self.declaration.singular.lower()} has this {label.replace('_', ' ')}",
            f"{upper(label.replace(' ', '_'))}_ALREADY_EXISTS",
            metadata={"field": key.field},
        )

    def parse_id(self, value: str, field: str) -> str:
        """A canonical lower-case UUID, or INVALID_ARGUMENT ``ID_INVALID`` naming ``field``."""
        if len(value) == _UUID_LENGTH and value == value.lower():
            try:
                if str(uuid.UUID(value)) == value:
                    return value
            except ValueError:
                pass
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise self.invalid([FieldViolation(field, "must be a UUID", "ID_INVALID")]) from None

    # -- access -------------------------------------------------------------------

    def check(self, rule: Rule, caller: Principal | None, resource_id: str, row: Any) -> None:
        """PERMISSION_DENIED unless ``rule`` admits ``caller`` to the resource.

        Without a row, refuses only what the rule can tell without one: so a
        caller who may not act on an id cannot learn whether it exists.
        """
        # A public method's rules about callers do not apply to anonymous ones.
        if caller is not None and rule.decide(caller, resource_id, row) is False:
            raise self.denied()

    # -- rows and messages -----------------------------------------------------------

    def load(self, session: Session, resource_id: str, *, lock: bool = False) -> Any:
        """The resource's row, or NOT_FOUND; ``lock`` holds it for the transaction."""
        query = select(self.table).where(self.id_column == resource_id)
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.execute(query).first()
        if row is None:
            raise self.not_found(resource_id)
        return row

    def to_message(self, row: Any) -> Message:
        return self.codec.to_message(row)

    def normalized(self, message: Message) -> Message:
        """A copy of ``message`` as the declaration's ``normalize`` leaves it."""
        copy = type(message)()
        copy.CopyFrom(message)
        if self.declaration.normalize is not None:
            # Its violations are reported when the message is checked as a whole.
            self.declaration.normalize(copy, [])
        return copy

    def values(
        self, message: Message, caller: Principal | None, session: Session
    ) -> dict[str, Any]:
        """Normalize and check ``message`` as a whole resource; its column values.

        INVALID_ARGUMENT naming every field at fault (under the request field,
        ``person.emails``), a missing reference among them.
        """
        violations: list[FieldViolation] = []
        declaration = self.declaration
        if declaration.normalize is not None:
            declaration.normalize(message, violations)
        for name, spec in declaration.fields.items():
            if "." in name:
                continue
            violations += _field_problems(message, name, spec)
        for name in self.timestamps:
            if message.HasField(name) and not valid_timestamp(getattr(message, name)):
                violations.append(
                    FieldViolation(
                        name,
                        "must be a time from year 1 to 9999 (UTC), with nanos from 0 to 999999999",
                        f"{upper(name)}_INVALID",
                    )
                )
        for name in self.floats:
            # NaN equals nothing, no filter can name it, and SQLite stores it as NULL.
            if math.isnan(getattr(message, name)):
                violations.append(
                    FieldViolation(name, "must be a number, not NaN", f"{upper(name)}_INVALID")
                )
        prefix = f"{self.request_field}."
        violations = [FieldViolation(prefix + v.field, v.description, v.reason) for v in violations]
        for reference in declaration.references:
            target_id = getattr(message, reference.field)
            if target_id:
                problem = references.missing(self.kit, session, reference, target_id, prefix)
                if problem is not None:
                    violations.append(problem)
        if violations:
            raise self.invalid(one_per_field(violations))
        values = self.codec.to_columns(message)
        for name in MANAGED_FIELDS:
            values.pop(name, None)
        if declaration.derive is not None:
            values.update(declaration.derive(message))
        # Empty references and unique keys are NULL: "" is no id, and a unique
        # index must not see every empty value as the same one.
        nullable = [r.field for r in declaration.references]
        nullable += [self._unique_column(u).key for u in declaration.unique]
        for name in nullable:
            if values.get(name) == "":
                values[name] = None
        return values

    def _unique_column(self, key: Unique) -> Any:
        return key.column if key.column is not None else self.table.c[key.field]

    def check_unique(self, session: Session, values: Mapping[str, Any], own_id: str | None) -> None:
        """ALREADY_EXISTS when another live resource has one of ``values``' unique keys."""
        for key in self.declaration.unique:
            column = self._unique_column(key)
            value = values.get(str(column.key))
            if value in (None, ""):
                continue
            query = select(self.id_column).where(column == value)
            if self.soft:
                query = query.where(self.table.c.delete_time.is_(None))
            if own_id is not None:
                query = query.where(self.id_column != own_id)
            if session.execute(query.limit(1)).first() is not None:
                raise self.clash(key)

    def write(
        self,
        session: Session,
        row: Any,
        message: Message,
        caller: Principal | None,
        mask: Sequence[str] = (),
    ) -> Message | None:
        """Store ``message`` as the new state of ``row``'s resource, if the row is unchanged.

        Returns the stored resource, the current one when nothing changes,
        and None when another write changed the row first (its version). A
        change publishes ``<resource>.updated.v1`` with ``mask`` (the fields
        asked to change) as its ``updatemask``.
        """
        values = self.values(message, caller, session)
        stored = {k: v for k, v in values.items() if k in self.table.c}
        if all(getattr(row, k) == v for k, v in stored.items()):
            return self.to_message(row)
        self.check_unique(session, stored, row.id)
        result = session.execute(
            update(self.table)
            .where(self.id_column == row.id, self.table.c.version == row.version)
            .values(**stored, version=row.version + 1, update_time=datetime.now(UTC))
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        written = self.to_message(self.load(session, row.id))
        self.kit.publish(session, self, "updated", written, mask)
        return written

    # -- the standard methods ---------------------------------------------------------

    async def get(self, resource_id: str, caller: Principal | None) -> Message:
        rule = self.declaration.access.read_rule
        self.check(rule, caller, resource_id, None)
        row = await self.kit.database.read_row(self._read, id=resource_id)
        if row is None:
            raise self.not_found(resource_id)
        self.check(rule, caller, resource_id, row)
        return self.to_message(row)

    async def list(
        self,
        *,
        page_size: int,
        page_token: str,
        filter: str,
        order_by: str,
        show_deleted: bool = False,
        where: Any = None,
        query: str = "",
        sortables: Sequence[paging.Sortable] = (),
    ) -> tuple[list[Message], str]:
        """One page of resources and the next page's token ("" on the last page).

        ``where`` narrows the resources further (a custom method's own
        condition, a search, say), and ``query`` is what identifies it: page
        tokens are bound to it as to the filter, so give every distinct
        ``where`` a distinct ``query``. ``where`` may also be a function of
        the page's :class:`~crm_host.kit.paging.Window` (its position and how
        many rows it reads), for a condition that bounds its own reads.

        ``sortables`` are keys ``order_by`` may name in this call besides the
        declared fields (a column of the table that is no field, say).
        """
        violations: list[FieldViolation] = []

        def attempt(step: Callable[[], Any]) -> Any:
            try:
                return step()
            except paging.PagingError as error:
                violations.append(FieldViolation(error.field, error.description, error.reason))
            except FilterError as error:
                violations.append(FieldViolation("filter", error.description, error.reason))
            return None

        size = attempt(lambda: paging.page_size_of(page_size)) or paging.DEFAULT_PAGE_SIZE
        ordering = attempt(
            lambda: paging.parse_order_by(
                order_by,
                {**self.sortables, **{extra.path: extra for extra in sortables}},
                self.id_column,
                self.declaration.default_order,
            )
        )
        parsed = attempt(lambda: parse_filter(filter, self.filters))
        position = None
        bound_to = ""
        if ordering is not None and parsed is not None:
            bound_to = paging.fingerprint(
                # Without a query, tokens stay what they were before queries existed.
                parsed.canonical,
                ordering.normalized(),
                str(show_deleted),
                *((query,) if query else ()),
            )
            if page_token:
                tokens = await self.kit.page_tokens(self.declaration.name)
                position = attempt(
                    lambda: tokens.open(page_token, bound_to, len(ordering.terms) + 1)
                )
        if violations:
            raise self.invalid(violations)
        statement = select(
            *(self.table.c[name] for name in self.codec.columns),
            *paging.sort_columns(ordering),
        )
        if parsed.clause is not None:
            statement = statement.where(parsed.clause)
        if self.soft and not show_deleted:
            statement = statement.where(self.table.c.delete_time.is_(None))
        window = paging.Window(None, size + 1)
        if position is not None:
            try:
                window = paging.Window(ordering.decoded(position), size + 1)
                statement = statement.where(ordering.after(position))
            except (TypeError, ValueError):
                raise self.invalid(
                    [
                        FieldViolation(
                            "page_token",
                            "is not a page token from this query",
                            "PAGE_TOKEN_INVALID",
                        )
                    ]
                ) from None
        if callable(where):
            where = where(window)
        if where is not None:
            statement = statement.where(where)
        statement = statement.order_by(*ordering.order_by()).limit(size + 1)
        rows = await self.kit.database.transaction(lambda s: list(s.execute(statement)))
        page = rows[:size]
        token = ""
        if len(rows) > size:
            last = page[-1]
            tokens = await self.kit.page_tokens(self.declaration.name)
            token = tokens.seal(bound_to, ordering.sort_key(last, last.id))
        return [self.to_message(row) for row in page], token

    async def once(
        self,
        method: str,
        request_id: str,
        request: Message,
        work: Callable[[Session], Message],
        response: type[Message] | None = None,
    ) -> Message:
        """``work``'s answer, run in a transaction at most once per ``request_id`` (AIP-155).

        Without a request id, runs ``work``. With one, the answer is stored
        in ``work``'s transaction under ``<resource>/<method>`` with a digest
        of ``request``: a retry gets the stored answer (a ``response``
        message, the resource's by default), and the same id with another
        request is INVALID_ARGUMENT ``REQUEST_ID_REUSED``. An IntegrityError
        that is not a concurrent retry's propagates.
        """
        if not request_id:
            return await self.kit.database.transaction(work)
        scope = f"{self.declaration.name}/{method}"
        key = idempotency.request_key(self, request_id)
        fingerprint = idempotency.digest(request)
        answer_type = response or self.declaration.message

        async def earlier() -> Message | None:
            found = await self.kit.answers.earlier(scope, key, fingerprint, self)
            return None if found is None else idempotency.parsed(answer_type, found)

        answered = await earlier()
        if answered is not None:
            return answered

        def recorded(session: Session) -> Message:
            answer = work(session)
            self.kit.answers.record(session, scope, key, fingerprint, answer)
            return answer

        try:
            return await self.kit.database.transaction(recorded)
        except IntegrityError:
            # A concurrent retry recorded its answer first: that is this one's too.
            answered = await earlier()
            if answered is not None:
                return answered
            raise

    async def create(
        self,
        message: Message,
        caller: Principal | None,
        request_id: str = "",
        request: Message | None = None,
    ) -> Message:
        """Create the resource ``message`` describes; with ``request_id``, at most once."""
        message_type: Any = self.declaration.message
        new = message_type()
        new.CopyFrom(message)
        for name in self.output_only:
            new.ClearField(name)
        for name, spec in self.declaration.fields.items():
            if caller is not None and spec.default_caller and not getattr(new, name):
                setattr(new, name, caller.account_id)
        now = datetime.now(UTC)
        resource_id = str(uuid.uuid4())

        def work(session: Session) -> Message:
            values = self.values(new, caller, session)
            self.check_unique(session, values, None)
            row = {
                **values,
                "id": resource_id,
                "version": 1,
                "create_time": now,
                "update_time": now,
            }
            session.execute(insert(self.table).values(row))
            created = self.to_message(_Row(row))
            self.kit.publish(session, self, "created", created)
            return created

        try:
            return await self.once(
                "Create", request_id, request if request is not None else message, work
            )
        except IntegrityError:
            raise self._raced() from None

    def _raced(self) -> ServiceError:
        """A unique index refused a write the pre-check let through (a race)."""
        if self.declaration.unique:
            return self.clash(self.declaration.unique[0])
        return self.error(grpc.StatusCode.ABORTED, "a concurrent write won; retry", "CONFLICT")

    async def update(self, message: Message, mask: Any, caller: Principal | None) -> Message:
        """Apply the masked fields of ``message`` to the stored resource (AIP-134)."""
        prefix = f"{self.request_field}."
        resource_id = self.parse_id(getattr(message, "id", ""), f"{prefix}id")
        etag = getattr(message, "etag", "")
        rule = self.declaration.access.write_rule
        self.check(rule, caller, resource_id, None)

        def work(session: Session) -> Message:
            for _ in range(WRITE_ATTEMPTS):
                row = self.load(session, resource_id)
                self.check(rule, caller, resource_id, row)
                if self.soft and row.delete_time is not None:
                    raise self.deleted(resource_id)
                if etag and etag != etag_of(row.version):
                    raise self.stale()
                current = self.to_message(row)
                try:
                    change = masks.apply(current, message, mask, self.output_only)
                except masks.MaskError as error:
                    raise self.invalid(
                        [FieldViolation("update_mask", error.description, "UPDATE_MASK_INVALID")]
                    ) from None
                # Compared as stored: a value normalize() makes the stored one is no change.
                candidate = self.normalized(change.message)
                changed_immutable = sorted(
                    name
                    for name in change.fields & self.immutable
                    if getattr(candidate, name) != getattr(current, name)
                )
                if changed_immutable:
                    raise self.invalid(
                        [
                            FieldViolation(
                                f"{prefix}{name}",
                                "cannot be changed after creation",
                                "FIELD_IMMUTABLE",
                            )
                            for name in changed_immutable
                        ]
                    )
                written = self.write(session, row, change.message, caller, sorted(change.fields))
                if written is not None:
                    return written
                if etag:
                    raise self.stale()
            raise self.stale()

        try:
            return await self.kit.database.transaction(work)
        except IntegrityError:
            raise self._raced() from None

    async def delete(self, resource_id: str, etag: str, caller: Principal | None) -> Message | None:
        """Delete (or soft-delete) the resource, applying its referrers' on-delete policies.

        The soft-deleted resource, or None when it is gone for good.
        """
        rule = self.declaration.access.write_rule
        self.check(rule, caller, resource_id, None)

        def work(session: Session) -> Message | None:
            row = self.load(session, resource_id, lock=True)
            self.check(rule, caller, resource_id, row)
            if self.soft and row.delete_time is not None:
                raise self.not_found(resource_id)
            if etag and etag != etag_of(row.version):
                raise self.stale()
            references.delete_rows(self.kit, session, self, [resource_id])
            if not self.soft:
                return None
            return self.to_message(self.load(session, resource_id))

        return await self.kit.database.transaction(work)

    async def undelete(self, resource_id: str, etag: str, caller: Principal | None) -> Message:
        rule = self.declaration.access.write_rule
        self.check(rule, caller, resource_id, None)

        def work(session: Session) -> Message:
            row = self.load(session, resource_id, lock=True)
            self.check(rule, caller, resource_id, row)
            if row.delete_time is None:
                raise self.error(
                    grpc.StatusCode.ALREADY_EXISTS,
                    f"the {self.declaration.singular.lower()} is not deleted",
                    f"{upper(self.declaration.kind)}_NOT_DELETED",
                    metadata={"id": resource_id},
                )
            if etag and etag != etag_of(row.version):
                raise self.stale()
            self.check_unique(session, dict(row._mapping), resource_id)
            session.execute(
                update(self.table)
                .where(self.id_column == resource_id)
                .values(
                    delete_time=None,
                    expire_time=None,
                    version=row.version + 1,
                    update_time=datetime.now(UTC),
                )
            )
            undeleted = self.to_message(self.load(session, resource_id))
            self.kit.publish(session, self, "undeleted", undeleted)
            return undeleted

        try:
            return await self.kit.database.transaction(work)
        except IntegrityError:
            raise self._raced() from None


class _Row:
    """Column values read like a row, for the message of what was just written."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name)


def _field_problems(message: Message, name: str, spec: Any) -> list[FieldViolation]:
    """What is wrong with one field of ``message`` by its declaration."""
    problems = []
    value = getattr(message, name)
    proto = message.DESCRIPTOR.fields_by_name[name]
    if spec.required and not _is_set(message, name):
        problems.append(FieldViolation(name, "must not be empty", f"{upper(name)}_EMPTY"))
    if spec.max_length is not None:
        if _is_map(proto):
            items = list(value.values())
        else:
            items = list(value) if proto.is_repeated else [value]
        if any(isinstance(item, str) and len(item) > spec.max_length for item in items):
            problems.append(
                FieldViolation(
                    name, f"must be at most {spec.max_length} characters", f"{upper(name)}_TOO_LONG"
                )
            )
    if spec.max_items is not None and proto.is_repeated and len(value) > spec.max_items:
        problems.append(
            FieldViolation(
                name, f"must have at most {spec.max_items} items", f"{upper(name)}_TOO_MANY"
            )
        )
    if isinstance(value, str) and "\x00" in value:
        problems.append(
            FieldViolation(name, "must not contain NUL characters", f"{upper(name)}_INVALID")
        )
    return problems


def _json_map(column: Any) -> Callable[[str, Any], Any]:
    """Filters on a map<string, string> stored as JSON (``labels.tier = "gold"``)."""

    def compile(operator: str, value: Any) -> Any:
        key, wanted = value
        extracted = _MapValue(column, literal(key, String()))
        if wanted is None:
            return extracted.is_not(None)
        return compare(extracted, operator, wanted)

    return compile


class _MapValue(FunctionElement[str]):
    """A JSON map column's value at one key, as text; NULL without the key.

    Any key, a double quote in it included: SQLite's JSON paths cannot name
    such a key (``$."a"b"``), so there the key is looked up with json_each.
    """

    type = String()
    name = "map_value"
    inherit_cache = True


@compiles(_MapValue)
def _map_value(element: _MapValue, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = element.clauses
    return compiler.process(func.json_extract_path_text(column, key), **kw)


@compiles(_MapValue, "sqlite")
def _map_value_sqlite(element: _MapValue, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = element.clauses
    entries = func.json_each(column).table_valued("key", "value")
    found = select(entries.c.value).where(entries.c.key == key).scalar_subquery()
    return compiler.process(found, **kw)


def _is_map(field: Any) -> bool:
    entry = field.message_type
    return entry is not None and entry.GetOptions().map_entry


def _is_set(message: Message, name: str) -> bool:
    field = message.DESCRIPTOR.fields_by_name[name]
    value = getattr(message, name)
    if field.is_repeated:
        return len(value) > 0
    if field.message_type is not None:
        return message.HasField(name)
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def _value_type(field: Any) -> ValueType:
    if field.enum_type is not None:
        return ValueType.ENUM
    if field.message_type is not None:
        return ValueType.TIMESTAMP
    if field.type == FieldDescriptor.TYPE_BOOL:
        return ValueType.BOOLEAN
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return ValueType.FLOAT
    if field.type in _INTEGERS:
        return ValueType.INTEGER
    return ValueType.STRING
