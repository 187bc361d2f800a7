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

# What an error may carry, so that its trailers stay well within the header
# limits grpc clients apply (8 KiB soft, 16 KiB hard: beyond them a client
# sees RESOURCE_EXHAUSTED and loses the details), whatever a request echoes.
MAX_MESSAGE = 512
MAX_FIELD_PATH = 100
MAX_DESCRIPTION = 200
MAX_METADATA_VALUE = 200
MAX_METADATA_ENTRIES = 16
MAX_VIOLATIONS = 20
ELLIPSIS = "..."


def truncated(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


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

        Every text is cut to its bound (see MAX_*), however long it was made.
        """
        metadata = {
            truncated(key, MAX_FIELD_PATH): truncated(value, MAX_METADATA_VALUE)
            for key, value in list(self.metadata.items())[:MAX_METADATA_ENTRIES]
        }
        details = [
            error_details_pb2.ErrorInfo(reason=self.reason, domain=self.domain, metadata=metadata)
        ]
        if self.field_violations:
            details.append(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=truncated(v.field, MAX_FIELD_PATH),
                            description=truncated(v.description, MAX_DESCRIPTION),
                            reason=v.reason,
                        )
                        for v in self.field_violations[:MAX_VIOLATIONS]
                    ]
                )
            )
        if self.retry_delay is not None:
            delay = duration_pb2.Duration()
            delay.FromNanoseconds(int(self.retry_delay * 1e9))
            details.append(error_details_pb2.RetryInfo(retry_delay=delay))
        packed = []
        for detail in details:
            wrapper = any_pb2.Any()
            wrapper.Pack(detail)
            packed.append(wrapper)
        status = status_pb2.Status(
            code=self.code.value[0], message=truncated(self.message, MAX_MESSAGE), details=packed
        )
        return rpc_status.to_status(status)


INTERNAL = ServiceError(
    code=grpc.StatusCode.INTERNAL,
    message="internal error",
    reason="INTERNAL",
    domain=HOST_DOMAIN,
)
"""What a call that hit a bug answers: nothing about the bug itself."""
