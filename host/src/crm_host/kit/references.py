"""References between resources: checked on write, and their on-delete policies.

A reference names another resource by type (``"accounts.account"``), maybe
another plugin's: the kit resolves it through the resources every plugin
served, so no plugin imports another's code. When resources are deleted,
each reference to them gets its policy, in the same transaction: RESTRICT
refuses (FAILED_PRECONDITION naming the referrers), SET_NULL clears the
field, CASCADE deletes the referrers too (soft, where they are soft-deleted).
Each resource deleted publishes ``<resource>.deleted.v1`` (its last state),
and each referrer cleared ``<resource>.updated.v1``, in that transaction too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import grpc
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm_host.errors import FieldViolation
from crm_host.kit.declaration import OnDelete, Reference

if TYPE_CHECKING:
    from crm_host.kit.resource import BoundResource
    from crm_host.kit.runtime import Kit

# A delete cascades through at most this many levels of references.
MAX_CASCADE_DEPTH = 8
# Referrers a RESTRICT refusal names.
REFERRERS_SHOWN = 10


def upper(name: str) -> str:
    return name.upper().replace(".", "_")


def missing(
    kit: Kit, session: Session, reference: Reference, target_id: str, prefix: str = ""
) -> FieldViolation | None:
    """Why ``target_id`` cannot be referred to by ``reference``, or None."""
    field = f"{prefix}{reference.field}"
    target = kit.served(reference.target)
    if target is None:
        return FieldViolation(
            field, f"refers to {reference.target}, which is not served", "REFERENCE_UNKNOWN"
        )
    try:
        key = str(uuid.UUID(target_id))
    except ValueError:
        return FieldViolation(field, "must be a UUID", "ID_INVALID")
    query = select(target.id_column).where(target.id_column == key)
    if target.soft:
        query = query.where(target.table.c.delete_time.is_(None))
    if session.execute(query).first() is None:
        return FieldViolation(
            field,
            f"no {target.declaration.singular.lower()} has the id {key}",
            f"{upper(reference.field)}_NOT_FOUND",
        )
    return None


def referrers(kit: Kit, target_type: str) -> list[tuple[BoundResource, Reference]]:
    """Every served resource's references to ``target_type``."""
    return [
        (bound, reference)
        for bound in kit.resources
        for reference in bound.declaration.references
        if reference.target == target_type
    ]


def delete_rows(
    kit: Kit, session: Session, bound: BoundResource, ids: Sequence[str], *, depth: int = 0
) -> None:
    """Delete ``ids`` of ``bound`` (soft where declared), applying every referrer's policy."""
    if depth > MAX_CASCADE_DEPTH:
        raise bound.error(
            grpc.StatusCode.FAILED_PRECONDITION,
            "deleting this would cascade through too many levels of references",
            "CASCADE_TOO_DEEP",
        )
    now = datetime.now(UTC)
    for referrer, reference in referrers(kit, bound.declaration.name):
        column = referrer.table.c[reference.field]
        live = column.in_(ids)
        if referrer.soft:
            live = live & referrer.table.c.delete_time.is_(None)
        if reference.on_delete is OnDelete.RESTRICT:
            found = [
                row.id
                for row in session.execute(
                    select(referrer.id_column).where(live).limit(REFERRERS_SHOWN + 1)
                )
            ]
            if found:
                _refuse(bound, referrer, reference, found)
        elif reference.on_delete is OnDelete.SET_NULL:
            cleared = [
                row.id for row in session.execute(select(referrer.id_column).where(column.in_(ids)))
            ]
            if not cleared:
                continue
            session.execute(
                update(referrer.table)
                .where(referrer.id_column.in_(cleared))
                .values(
                    {
                        reference.field: None,
                        "version": referrer.table.c.version + 1,
                        "update_time": now,
                    }
                )
            )
            for cleared_id in cleared:
                kit.publish(
                    session,
                    referrer,
                    "updated",
                    referrer.to_message(referrer.load(session, cleared_id)),
                    [reference.field],
                )
        else:
            children = [row.id for row in session.execute(select(referrer.id_column).where(live))]
            if children:
                delete_rows(kit, session, referrer, children, depth=depth + 1)
    if bound.soft:
        assert bound.declaration.soft_delete is not None
        expire = now + bound.declaration.soft_delete.retention
        session.execute(
            update(bound.table)
            .where(bound.id_column.in_(ids), bound.table.c.delete_time.is_(None))
            .values(
                delete_time=now,
                expire_time=expire,
                version=bound.table.c.version + 1,
                update_time=now,
            )
        )
        for deleted in ids:
            kit.publish(session, bound, "deleted", bound.to_message(bound.load(session, deleted)))
    else:
        last = [bound.to_message(bound.load(session, deleted)) for deleted in ids]
        session.execute(delete(bound.table).where(bound.id_column.in_(ids)))
        for message in last:
            kit.publish(session, bound, "deleted", message)


def _refuse(
    bound: BoundResource, referrer: BoundResource, reference: Reference, found: list[str]
) -> None:
    shown_ids = ", ".join(found[:REFERRERS_SHOWN])
    more = " and more" if len(found) > REFERRERS_SHOWN else ""
    raise bound.error(
        grpc.StatusCode.FAILED_PRECONDITION,
        f"{referrer.declaration.collection.lower()} {shown_ids}{more} refer to it "
        f"in {reference.field}; change or delete them first",
        "REFERENCED",
        metadata={"referrer": referrer.declaration.name, "field": reference.field},
        violations=[
            FieldViolation(
                f"{referrer.declaration.name}/{found_id}.{reference.field}",
                "refers to the resource being deleted",
                "REFERENCED",
            )
            for found_id in found[:REFERRERS_SHOWN]
        ],
    )


def repoint(
    kit: Kit, session: Session, target_type: str, from_ids: Sequence[str], to_id: str
) -> int:
    """Make every reference to ``from_ids`` of ``target_type`` refer to ``to_id``; how many rows.

    For merges: the resources merged away keep no referrers when they are deleted.
    """
    now = datetime.now(UTC)
    changed = 0
    for referrer, reference in referrers(kit, target_type):
        column = referrer.table.c[reference.field]
        result = session.execute(
            update(referrer.table)
            .where(column.in_(list(from_ids)))
            .values(
                {
                    reference.field: to_id,
                    "version": referrer.table.c.version + 1,
                    "update_time": now,
                }
            )
        )
        changed += int(getattr(result, "rowcount", 0) or 0)
    return changed
