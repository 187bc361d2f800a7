"""ContactsService's custom methods: MergePeople, MergeCompanies and SearchPeople.

The kit serves every standard method; these use its machinery
(crm_host.kit.BoundResource) for ids, access rules, etags, writes, deletes,
request ids and pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_contacts import merging, search
from crm_contacts._proto.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from crm_contacts.resources import COMPANY, PERSON
from crm_host import AUTHENTICATED, FieldViolation, Principal, ServiceError, kit, principal

MAX_MERGE_SOURCES = 10

POLICIES = {
    "MergePeople": AUTHENTICATED,
    "MergeCompanies": AUTHENTICATED,
    "SearchPeople": AUTHENTICATED,
}
FIELD_MAX_BYTES = {"SearchPeople": {"query": search.MAX_QUERY_LENGTH * 4}}

Combine = Callable[[Message, Sequence[Message]], Message]


class ContactsServicer(contacts_pb2_grpc.ContactsServiceServicer):  # type: ignore[misc]
    def __init__(self, kit: kit.Kit) -> None:
        self.kit = kit

    async def MergePeople(self, request: Any, context: Any) -> Message:
        return await _merge(
            self.kit, self.kit.resource(PERSON), "MergePeople", request, context, merging.people
        )

    async def MergeCompanies(self, request: Any, context: Any) -> Message:
        return await _merge(
            self.kit,
            self.kit.resource(COMPANY),
            "MergeCompanies",
            request,
            context,
            merging.companies,
        )

    async def SearchPeople(self, request: Any, context: Any) -> Message:
        people = self.kit.resource(PERSON)
        query = request.query.strip()
        problem = None
        if not query:
            problem = FieldViolation("query", "must not be empty", "QUERY_EMPTY")
        elif len(query) > search.MAX_QUERY_LENGTH:
            problem = FieldViolation(
                "query",
                f"must be at most {search.MAX_QUERY_LENGTH} characters",
                "QUERY_TOO_LONG",
            )
        elif "\x00" in query:
            problem = FieldViolation("query", "must not contain NUL characters", "QUERY_INVALID")
        if problem is not None:
            raise people.invalid([problem])
        found, token = await people.list(
            page_size=request.page_size,
            page_token=request.page_token,
            filter="",
            order_by=f"{search.NEWEST.path} desc",
            where=search.people_matching(self.kit.database.dialect, query),
            query=f"SearchPeople\x00{kit.fold(query)}",
            sortables=[search.NEWEST],
        )
        response: Any = contacts_pb2.SearchPeopleResponse(next_page_token=token)
        response.people.extend(found)
        answer: Message = response
        return answer


def _merge_ids(bound: kit.BoundResource, request: Any) -> tuple[str, list[str]]:
    """The target's and the sources' ids, or INVALID_ARGUMENT naming every bad one."""
    violations: list[FieldViolation] = []
    target_id = ""
    try:
        target_id = bound.parse_id(request.target_id, "target_id")
    except ServiceError as error:
        violations += error.field_violations
    if not request.sources:
        violations.append(FieldViolation("sources", "must not be empty", "SOURCES_EMPTY"))
    elif len(request.sources) > MAX_MERGE_SOURCES:
        violations.append(
            FieldViolation(
                "sources", f"must have at most {MAX_MERGE_SOURCES} items", "SOURCES_TOO_MANY"
            )
        )
    source_ids: list[str] = []
    for index, source in enumerate(request.sources[:MAX_MERGE_SOURCES]):
        field = f"sources[{index}].id"
        try:
            source_id = bound.parse_id(source.id, field)
        except ServiceError as error:
            violations += error.field_violations
            continue
        if source_id == target_id or source_id in source_ids:
            violations.append(
                FieldViolation(field, "names the target or another source", "SOURCE_DUPLICATE")
            )
        source_ids.append(source_id)
    if violations:
        raise bound.invalid(violations)
    return target_id, source_ids


def _checked(
    bound: kit.BoundResource,
    session: Session,
    caller: Principal | None,
    resource_id: str,
    etag: str,
) -> Any:
    """The live row of ``resource_id`` that the caller may change, still at ``etag`` if given."""
    row = bound.load(session, resource_id, lock=True)
    bound.check(bound.declaration.access.write_rule, caller, resource_id, row)
    if row.delete_time is not None:
        raise bound.deleted(resource_id)
    if etag and etag != kit.etag_of(row.version):
        raise bound.stale()
    return row


async def _merge(
    kit_: kit.Kit,
    bound: kit.BoundResource,
    method: str,
    request: Any,
    context: Any,
    combine: Combine,
) -> Message:
    """Keep the target, combined with the sources; move the sources' referrers; delete them."""
    caller = principal(context)
    target_id, source_ids = _merge_ids(bound, request)
    rule = bound.declaration.access.write_rule
    for resource_id in (target_id, *source_ids):
        bound.check(rule, caller, resource_id, None)
    etags = dict(zip(source_ids, (source.etag for source in request.sources), strict=False))

    def work(session: Session) -> Message:
        target = _checked(bound, session, caller, target_id, request.target_etag)
        sources = [
            bound.to_message(_checked(bound, session, caller, source_id, etags[source_id]))
            for source_id in source_ids
        ]
        merged = combine(bound.to_message(target), sources)
        kit_.repoint(session, bound.declaration.name, source_ids, target_id)
        # Deleted first, so that the target may take over their unique values.
        kit_.delete_rows(session, bound, source_ids)
        written = bound.write(session, target, merged, caller)
        if written is None:
            raise bound.stale()
        return written

    try:
        return await bound.once(method, request.request_id, request, work)
    except IntegrityError:
        raise bound.error(
            grpc.StatusCode.ABORTED, "a concurrent write won; retry", "CONFLICT"
        ) from None
