"""The wire formats of the Connect protocol and of gRPC-Web, as the HTTP listener speaks them.

Connect (connectrpc.com/docs/protocol): a unary call is a plain POST whose
body is the message (``application/proto`` or ``application/json``), and
whose error is a JSON object with an HTTP status derived from its code; a
streaming call (``application/connect+proto`` or ``+json``) sends
enveloped messages and ends with an end-of-stream envelope carrying the
error and the trailers as JSON.

gRPC-Web (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): gRPC's
enveloped messages over HTTP/1.1, with the trailers in a last envelope whose
flag has its top bit set, written like HTTP/1 headers. The ``-text`` form is
the same bytes in base64.

An envelope is a flags byte and a big-endian 32-bit length, then the payload.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import grpc
from google.protobuf import json_format, symbol_database
from google.rpc import status_pb2

from crm_host.errors import HOST_DOMAIN, ServiceError

ENVELOPE = struct.Struct(">BI")
COMPRESSED = 0x01
# Connect's end-of-stream envelope; gRPC-Web's trailers envelope.
END_STREAM = 0x02
TRAILERS = 0x80

STATUS_DETAILS_KEY = "grpc-status-details-bin"

# Connect's name and HTTP status for each code (the protocol's table).
CONNECT_CODES: dict[grpc.StatusCode, tuple[str, int]] = {
    grpc.StatusCode.CANCELLED: ("canceled", 499),
    grpc.StatusCode.UNKNOWN: ("unknown", 500),
    grpc.StatusCode.INVALID_ARGUMENT: ("invalid_argument", 400),
    grpc.StatusCode.DEADLINE_EXCEEDED: ("deadline_exceeded", 504),
    grpc.StatusCode.NOT_FOUND: ("not_found", 404),
    grpc.StatusCode.ALREADY_EXISTS: ("already_exists", 409),
    grpc.StatusCode.PERMISSION_DENIED: ("permission_denied", 403),
    grpc.StatusCode.RESOURCE_EXHAUSTED: ("resource_exhausted", 429),
    grpc.StatusCode.FAILED_PRECONDITION: ("failed_precondition", 400),
    grpc.StatusCode.ABORTED: ("aborted", 409),
    grpc.StatusCode.OUT_OF_RANGE: ("out_of_range", 400),
    grpc.StatusCode.UNIMPLEMENTED: ("unimplemented", 501),
    grpc.StatusCode.INTERNAL: ("internal", 500),
    grpc.StatusCode.UNAVAILABLE: ("unavailable", 503),
    grpc.StatusCode.DATA_LOSS: ("data_loss", 500),
    grpc.StatusCode.UNAUTHENTICATED: ("unauthenticated", 401),
}

_TYPE_PREFIX = "type.googleapis.com/"


def refusal(code: grpc.StatusCode, reason: str, message: str, **metadata: str) -> ServiceError:
    """A request the HTTP listener refuses, as the host's own errors say it."""
    return ServiceError(
        code=code, message=message, reason=reason, domain=HOST_DOMAIN, metadata=metadata
    )


def too_large(size: int, limit: int) -> ServiceError:
    """What grpc answers for a message over max_receive_message_bytes, with details."""
    return refusal(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "MESSAGE_TOO_LARGE",
        f"the request message ({size} bytes) is larger than the server's limit of {limit} bytes",
        limitBytes=str(limit),
    )


def envelope(flags: int, payload: bytes) -> bytes:
    return ENVELOPE.pack(flags, len(payload)) + payload


class Deframer:
    """Splits a body into envelopes as it arrives, refusing any larger than ``limit``.

    Only ``limit`` plus a header's worth of bytes is ever held: a length
    above the limit is refused as soon as its header is in.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= ENVELOPE.size:
            flags, length = ENVELOPE.unpack_from(self._buffer)
            if length > self._limit:
                raise too_large(length, self._limit)
            end = ENVELOPE.size + length
            if len(self._buffer) < end:
                break
            frames.append((flags, bytes(self._buffer[ENVELOPE.size : end])))
            del self._buffer[:end]
        return frames

    def finish(self) -> None:
        """Raise unless the body ended on an envelope's end."""
        if self._buffer:
            raise refusal(
                grpc.StatusCode.INVALID_ARGUMENT,
                "MALFORMED_ENVELOPE",
                "the request body ends inside a message envelope",
            )


class Base64Stream:
    """Decodes gRPC-Web text: base64 arriving in arbitrary chunks, maybe padded between messages."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        text = self._pending + data.replace(b"\r", b"").replace(b"\n", b"")
        # Whole quads only; each encoded message may end in padding.
        usable = len(text) - len(text) % 4
        self._pending = text[usable:]
        try:
            return base64.b64decode(text[:usable], validate=True) if usable else b""
        except binascii.Error:
            # Padding in the middle: messages encoded one by one.
            return b"".join(_decode_quads(text[:usable]))

    def finish(self) -> None:
        if self._pending:
            raise _not_base64()


def _not_base64() -> ServiceError:
    return refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ENVELOPE", "the request body is not base64"
    )


def _decode_quads(text: bytes) -> Iterable[bytes]:
    for start in range(0, len(text), 4):
        try:
            yield base64.b64decode(text[start : start + 4], validate=True)
        except binascii.Error:
            raise _not_base64() from None


def parse_connect_timeout(text: str) -> float:
    """``connect-timeout-ms``: at most 10 digits of milliseconds, in seconds."""
    if not (0 < len(text) <= 10 and text.isascii() and text.isdigit()):
        raise refusal(
            grpc.StatusCode.INVALID_ARGUMENT,
            "MALFORMED_TIMEOUT",
            "connect-timeout-ms must be a positive number of milliseconds (at most 10 digits)",
        )
    return int(text) / 1000


_GRPC_TIMEOUT_UNITS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}


def parse_grpc_timeout(text: str) -> float:
    """``grpc-timeout``: at most 8 digits and a unit (H, M, S, m, u, n), in seconds."""
    digits, unit = text[:-1], text[-1:]
    if not (
        0 < len(digits) <= 8
        and digits.isascii()
        and digits.isdigit()
        and unit in _GRPC_TIMEOUT_UNITS
    ):
        raise refusal(
            grpc.StatusCode.INVALID_ARGUMENT,
            "MALFORMED_TIMEOUT",
            "grpc-timeout must be at most 8 digits and a unit (H, M, S, m, u or n)",
        )
    return int(digits) * _GRPC_TIMEOUT_UNITS[unit]


def b64encode(value: bytes) -> str:
    """Unpadded standard base64, as Connect and gRPC send binary values."""
    return base64.b64encode(value).decode().rstrip("=")


def b64decode(value: str) -> bytes:
    """Padded or unpadded, standard or URL-safe base64; raises ValueError."""
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None


@dataclass(frozen=True)
class Outcome:
    """How a call ended: its code, its message and its trailing metadata."""

    code: grpc.StatusCode
    message: str = ""
    trailers: tuple[tuple[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return self.code is grpc.StatusCode.OK

    def status_details(self) -> bytes | None:
        for key, value in self.trailers:
            if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
                return value
        return None

    def plain_trailers(self) -> list[tuple[str, Any]]:
        """The trailers but the status details, which each protocol carries its own way."""
        return [(key, value) for key, value in self.trailers if key != STATUS_DETAILS_KEY]


def connect_error(outcome: Outcome) -> dict[str, Any]:
    """Connect's error object: code, message, and the google.rpc.Status details."""
    error: dict[str, Any] = {"code": CONNECT_CODES.get(outcome.code, ("unknown", 500))[0]}
    if outcome.message:
        error["message"] = outcome.message
    raw = outcome.status_details()
    if raw is not None:
        status = status_pb2.Status()
        try:
            status.ParseFromString(raw)
        except Exception:
            status.Clear()
        details = []
        for detail in status.details:
            entry: dict[str, Any] = {
                "type": detail.type_url.removeprefix(_TYPE_PREFIX),
                "value": b64encode(detail.value),
            }
            debug = _debug(detail.type_url.removeprefix(_TYPE_PREFIX), detail.value)
            if debug is not None:
                entry["debug"] = debug
            details.append(entry)
        if details:
            error["details"] = details
    return error


def _debug(type_name: str, value: bytes) -> Any:
    """A detail as JSON, for people reading the error; None for unknown types."""
    try:
        message_class = symbol_database.Default().GetSymbol(type_name)
        message = message_class.FromString(value)
        return json_format.MessageToDict(message)
    except Exception:
        return None


def connect_end_stream(outcome: Outcome) -> bytes:
    """The end-of-stream envelope's JSON: the error unless OK, and the trailers."""
    end: dict[str, Any] = {}
    if not outcome.ok:
        end["error"] = connect_error(outcome)
    metadata: dict[str, list[str]] = {}
    for key, value in header_pairs(outcome.plain_trailers()):
        metadata.setdefault(key, []).append(value)
    if metadata:
        end["metadata"] = metadata
    return json.dumps(end, separators=(",", ":")).encode()


def grpc_web_trailers(outcome: Outcome) -> bytes:
    """The trailers envelope's payload: ``grpc-status``, ``grpc-message``, the metadata."""
    lines = [f"grpc-status: {outcome.code.value[0]}"]
    if outcome.message:
        lines.append(f"grpc-message: {percent_encode(outcome.message)}")
    lines.extend(f"{key}: {value}" for key, value in header_pairs(outcome.trailers))
    return "".join(line + "\r\n" for line in lines).encode()


def percent_encode(message: str) -> str:
    """grpc-message's encoding: UTF-8, with bytes outside printable ASCII and ``%`` escaped."""
    return quote(message, safe=" !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~", encoding="utf-8")


def header_pairs(metadata: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Metadata as header text: ``-bin`` values in base64, the others as they are.

    A value that could split a header (a line break) is left out rather
    than let it add headers of its own.
    """
    pairs = []
    for key, value in metadata:
        if key.endswith("-bin"):
            text = b64encode(value if isinstance(value, bytes) else str(value).encode())
        else:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        if "\r" in text or "\n" in text or "\r" in key or "\n" in key:
            continue
        pairs.append((key, text))
    return pairs
