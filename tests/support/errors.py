"""What a call ends with: its status code, and the rich error details (AIP-193) of a refusal."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

import grpc
import grpc.aio
from google.rpc import error_details_pb2, status_pb2

DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class RichError:
    code: grpc.StatusCode
    message: str
    reason: str
    domain: str
    metadata: dict[str, str]
    # (field, reason) of every BadRequest field violation.
    violations: list[tuple[str, str]]
    descriptions: list[str]
    # Seconds, from google.rpc.RetryInfo; None without one.
    retry_delay: float | None = None


def rich_error(error: grpc.aio.AioRpcError) -> RichError:
    """The status details of ``error``; fails unless there is exactly one ErrorInfo."""
    raw = [value for key, value in error.trailing_metadata() or () if key == DETAILS_KEY]
    assert len(raw) == 1, f"no {DETAILS_KEY} trailer in {error!r}"
    status = status_pb2.Status.FromString(raw[0])
    assert status.code == error.code().value[0]
    assert status.message == error.details()
    infos, bad_requests, retries = [], [], []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            infos.append(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            bad_requests.append(bad_request)
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retries.append(retry.retry_delay.ToTimedelta().total_seconds())
    assert len(infos) == 1, "AIP-193: exactly one ErrorInfo"
    assert len(bad_requests) <= 1, "AIP-193: each detail type at most once"
    field_violations = bad_requests[0].field_violations if bad_requests else []
    return RichError(
        code=error.code(),
        message=error.details() or "",
        reason=infos[0].reason,
        domain=infos[0].domain,
        metadata=dict(infos[0].metadata),
        violations=[(v.field, v.reason) for v in field_violations],
        descriptions=[v.description for v in field_violations],
        retry_delay=retries[0] if retries else None,
    )


async def code_of(call: Awaitable[object]) -> grpc.StatusCode:
    """The status code ``call`` ends with."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK
