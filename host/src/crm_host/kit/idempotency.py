"""``request_id`` (AIP-155): a retried request gets the answer the first one got.

The answer is stored, in the transaction that made it, under the method's
scope and the request id, with a digest of the request: a retry with the same
payload gets the stored answer (even after the resource changed since); the
same id with another payload is INVALID_ARGUMENT ``REQUEST_ID_REUSED``. The
kit purges answers older than their retention (crm_host.builtins.kit).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from crm_host.errors import FieldViolation
from crm_host.kit.store import AnsweredRequest

if TYPE_CHECKING:
    from crm_host.database import Database
    from crm_host.kit.resource import BoundResource


def request_key(bound: BoundResource, value: str) -> str:
    """The canonical form of a request id, or INVALID_ARGUMENT ``REQUEST_ID_INVALID``."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bound.invalid(
            [FieldViolation("request_id", "must be a UUID", "REQUEST_ID_INVALID")]
        ) from None


def digest(request: Message) -> str:
    """The request's fingerprint, without its request_id."""
    copy = type(request)()
    copy.CopyFrom(request)
    if "request_id" in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField("request_id")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


def parsed(message_type: Any, data: bytes) -> Message:
    message: Message = message_type()
    message.ParseFromString(data)
    return message


class Answers:
    """The answers requests with a request_id got, in the host's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def earlier(
        self, scope: str, request_id: str, fingerprint: str, bound: BoundResource
    ) -> bytes | None:
        """The answer an earlier request with this id got, if any.

        INVALID_ARGUMENT ``REQUEST_ID_REUSED`` when that request was another.
        """

        def look(session: Session) -> tuple[str, bytes] | None:
            row = session.get(AnsweredRequest, (scope, request_id))
            return None if row is None else (row.digest, row.response)

        found = await self.database.transaction(look)
        if found is None:
            return None
        earlier_digest, response = found
        if earlier_digest != fingerprint:
            raise bound.invalid(
                [
                    FieldViolation(
                        "request_id",
                        "was already used for a request with a different payload",
                        "REQUEST_ID_REUSED",
                    )
                ]
            )
        return response

    @staticmethod
    def record(
        session: Session, scope: str, request_id: str, fingerprint: str, response: Message
    ) -> None:
        """Keep the answer to a request, in the transaction that made it."""
        session.add(
            AnsweredRequest(
                scope=scope,
                request_id=request_id,
                digest=fingerprint,
                response=response.SerializeToString(),
                create_time=datetime.now(UTC),
            )
        )
