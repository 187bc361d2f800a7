"""Rich gRPC errors (AIP-193) that any plugin can raise from a handler.

Raise :class:`ServiceError` in a servicer; the host's interceptor answers the
call with its status code and message, plus a ``google.rpc.Status`` in the
``grpc-status-details-bin`` trailer holding exactly one ``ErrorInfo`` and,
when there are field violations, one ``BadRequest``. Clients that ignore the
details still get a readable message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

HOST_DOMAIN = "crm-host"

# What an error may carry, so that its trailers stay within the header limit
# grpc clients apply (8 KiB by default; beyond it a client sees
# RESOURCE_EXHAUSTED and loses the details), whatever a request echoes. The
# message travels percent-encoded (up to 3 bytes per UTF-8 byte), the details
# in base64 (4 bytes per 3).
MAX_MESSAGE = 512
MAX_MESSAGE_BYTES = 1024
MAX_FIELD_PATH = 100
MAX_DESCRIPTION = 200
MAX_METADATA_VALUE = 200
MAX_METADATA_ENTRIES = 16
MAX_VIOLATIONS = 20
MAX_DETAILS_BYTES = 3 * 1024
ELLIPSIS = "..."


def truncated(text: str, limit: int, limit_bytes: int | None = None) -> str:
    """``text`` cut to ``limit`` characters (and ``limit_bytes`` of UTF-8), marked ``...``."""
    cut = text if len(text) <= limit else text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS
    if limit_bytes is None or len(cut.encode("utf-8", "surrogatepass")) <= limit_bytes:
        return cut
    # The longest prefix that fits; a code point cut in half is dropped.
    room = max(0, limit_bytes - len(ELLIPSIS))
    prefix = cut.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return prefix.removesuffix(ELLIPSIS) + ELLIPSIS


def shown(value: object, limit: int = 40) -> str:
    """A client's value quoted for an error message, cut to about ``limit`` characters.

    Use it for every value a message echoes (a field mask path, a filter
    word): the whole error stays small however large the request was.
    """
    text = repr(str(value))
    if len(text) <= limit:
        return text
    return repr(str(value)[: max(0, limit - 2 - len(ELLIPSIS))]) + ELLIPSIS


@dataclass(frozen=True)
class FieldViolation:
    """One bad request field: its path, what is wrong, and a machine-readable reason."""

    field: str
    description: str
    reason: str = ""


def one_per_field(violations: Sequence[FieldViolation]) -> tuple[FieldViolation, ...]:
    """One violation per field, as clients expect (AIP-193), in first-seen order.

    A field's violations merge into one that keeps the first reason and
    lists every distinct description.
    """
    merged: dict[str, FieldViolation] = {}
    for violation in violations:
        first = merged.get(violation.field)
        if first is None:
            merged[violation.field] = violation
        elif violation.description not in first.description.split(", and "):
            merged[violation.field] = FieldViolation(
                first.field, f"{first.description}, and {violation.description}", first.reason
            )
    return tuple(merged.values())


# Not frozen: Python sets __traceback__ and friends on exceptions as they travel.
@dataclass(eq=False)
class ServiceError(Exception):
    """A deliberate error answer.

    ``reason`` is UPPER_SNAKE_CASE and unique within ``domain`` (usually the
    plugin's service name); ``metadata`` carries the dynamic values of the
    message. ``retry_delay`` (seconds) adds a ``google.rpc.RetryInfo``.
    """

    code: grpc.StatusCode
    message: str
    reason: str
    domain: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    field_violations: Sequence[FieldViolation] = ()
    retry_delay: float | None = None

    def __str__(self) -> str:
        return self.message

    def to_status(self) -> grpc.Status:
        """The grpc status with its rich details, as ``context.abort`` takes it.

        Every text is cut to its bound (see MAX_*), however long it was made,
        and field violations, then metadata entries, are left out from the
        end while the details would exceed MAX_DETAILS_BYTES.
        """
        metadata = [
            (truncated(key, MAX_FIELD_PATH), truncated(value, MAX_METADATA_VALUE))
            for key, value in list(self.metadata.items())[:MAX_METADATA_ENTRIES]
        ]
        violations = [
            error_details_pb2.BadRequest.FieldViolation(
                field=truncated(v.field, MAX_FIELD_PATH),
                description=truncated(v.description, MAX_DESCRIPTION),
                reason=v.reason,
            )
            for v in self.field_violations[:MAX_VIOLATIONS]
        ]
        status = self._status(metadata, violations)
        while status.ByteSize() > MAX_DETAILS_BYTES and (violations[1:] or metadata):
            if violations[1:]:
                violations.pop()
            else:
                metadata.pop()
            status = self._status(metadata, violations)
        return rpc_status.to_status(status)

    def _status(
        self,
        metadata: list[tuple[str, str]],
        violations: list[error_details_pb2.BadRequest.FieldViolation],
    ) -> status_pb2.Status:
        details = [
            error_details_pb2.ErrorInfo(
                reason=self.reason, domain=self.domain, metadata=dict(metadata)
            )
        ]
        if violations:
            details.append(error_details_pb2.BadRequest(field_violations=violations))
        if self.retry_delay is not None:
            delay = duration_pb2.Duration()
            delay.FromNanoseconds(int(self.retry_delay * 1e9))
            details.append(error_details_pb2.RetryInfo(retry_delay=delay))
        packed = []
        for detail in details:
            wrapper = any_pb2.Any()
            wrapper.Pack(detail)
            packed.append(wrapper)
        return status_pb2.Status(
            code=self.code.value[0],
            message=truncated(self.message, MAX_MESSAGE, MAX_MESSAGE_BYTES),
            details=packed,
        )


INTERNAL = ServiceError(
    code=grpc.StatusCode.INTERNAL,
    message="internal error",
    reason="INTERNAL",
    domain=HOST_DOMAIN,
)
"""What a call that hit a bug answers: nothing about the bug itself."""
