"""The HTTP listener's wire formats (crm_host._server.webproto), piece by piece."""

from __future__ import annotations

import base64
import json
import struct

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_host._server import webproto
from crm_host._server.webproto import Base64Stream, Deframer, Outcome
from crm_host.errors import ServiceError


def envelope(payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(payload)) + payload


@given(
    payloads=st.lists(st.binary(max_size=40), max_size=5),
    cuts=st.lists(st.integers(0, 300), max_size=6),
)
def test_envelopes_come_out_whole_however_the_body_is_cut(
    payloads: list[bytes], cuts: list[int]
) -> None:
    body = b"".join(envelope(p) for p in payloads)
    deframer = Deframer(limit=40)
    frames = []
    start = 0
    for cut in [*sorted(cuts), len(body)]:
        frames += deframer.feed(body[start : max(start, cut)])
        start = max(start, cut)
    deframer.finish()
    assert frames == [(0, p) for p in payloads]


def test_a_length_over_the_limit_is_refused_from_the_header_alone() -> None:
    with pytest.raises(ServiceError) as refused:
        Deframer(limit=10).feed(struct.pack(">BI", 0, 11))
    assert refused.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refused.value.reason == "MESSAGE_TOO_LARGE"


def test_a_body_ending_inside_an_envelope_is_malformed() -> None:
    deframer = Deframer(limit=10)
    assert deframer.feed(envelope(b"abc")[:-1]) == []
    with pytest.raises(ServiceError) as refused:
        deframer.finish()
    assert refused.value.reason == "MALFORMED_ENVELOPE"


@given(payloads=st.lists(st.binary(max_size=20), max_size=4), size=st.integers(1, 9))
def test_grpc_web_text_decodes_in_any_chunks_padded_or_not(
    payloads: list[bytes], size: int
) -> None:
    # Each message encoded on its own, as browsers' clients do: padding in between.
    text = b"".join(base64.b64encode(envelope(p)) for p in payloads)
    stream = Base64Stream()
    decoded = b"".join(stream.feed(text[i : i + size]) for i in range(0, len(text), size))
    stream.finish()
    assert decoded == b"".join(envelope(p) for p in payloads)


def test_grpc_web_text_that_is_not_base64_is_malformed() -> None:
    with pytest.raises(ServiceError):
        Base64Stream().feed(b"!!!!")
    stream = Base64Stream()
    stream.feed(b"QUJ")
    with pytest.raises(ServiceError):
        stream.finish()


@pytest.mark.parametrize(
    ("text", "seconds"), [("1", 0.001), ("2500", 2.5), ("9999999999", 9999999.999)]
)
def test_connect_timeouts(text: str, seconds: float) -> None:
    assert webproto.parse_connect_timeout(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "seconds"), [("1H", 3600), ("2M", 120), ("3S", 3), ("250m", 0.25), ("5u", 5e-6)]
)
def test_grpc_timeouts(text: str, seconds: float) -> None:
    assert webproto.parse_grpc_timeout(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "0x1", "-1", "1.5", "12345678901", " 1", "١٢"])
def test_malformed_connect_timeouts(text: str) -> None:
    with pytest.raises(ServiceError) as refused:
        webproto.parse_connect_timeout(text)
    assert refused.value.reason == "MALFORMED_TIMEOUT"


@pytest.mark.parametrize("text", ["", "S", "1", "1s", "123456789S", "+1S"])
def test_malformed_grpc_timeouts(text: str) -> None:
    with pytest.raises(ServiceError):
        webproto.parse_grpc_timeout(text)


def error_outcome() -> Outcome:
    status = ServiceError(
        code=grpc.StatusCode.NOT_FOUND,
        message="no account 42 – gone",
        reason="ACCOUNT_NOT_FOUND",
        domain="accounts.v1.AccountsService",
        metadata={"id": "42"},
    ).to_status()
    return Outcome(status.code, status.details, (*status.trailing_metadata, ("x-request-id", "r1")))


def test_connect_errors_carry_each_detail_with_its_type_and_value() -> None:
    error = webproto.connect_error(error_outcome())
    assert error["code"] == "not_found"
    assert error["message"] == "no account 42 – gone"
    [detail] = error["details"]
    assert detail["type"] == "google.rpc.ErrorInfo"
    assert detail["debug"] == {
        "reason": "ACCOUNT_NOT_FOUND",
        "domain": "accounts.v1.AccountsService",
        "metadata": {"id": "42"},
    }
    assert webproto.b64decode(detail["value"])


def test_the_connect_end_of_stream_holds_the_error_and_the_trailers() -> None:
    end = json.loads(webproto.connect_end_stream(error_outcome()))
    assert end["error"]["code"] == "not_found"
    assert end["metadata"] == {"x-request-id": ["r1"]}
    assert json.loads(webproto.connect_end_stream(Outcome(grpc.StatusCode.OK))) == {}


def test_grpc_web_trailers_percent_encode_the_message_and_keep_the_details() -> None:
    trailers = webproto.grpc_web_trailers(error_outcome()).decode()
    lines = trailers.split("\r\n")
    assert lines[0] == "grpc-status: 5"
    assert lines[1] == "grpc-message: no account 42 %E2%80%93 gone"
    assert any(line.startswith("grpc-status-details-bin: ") for line in lines)
    assert "x-request-id: r1" in lines


def test_metadata_that_could_split_a_header_is_left_out() -> None:
    assert webproto.header_pairs(
        [("a", "x\r\nset-cookie: y"), ("b", "ok"), ("c-bin", b"\x00")]
    ) == [
        ("b", "ok"),
        ("c-bin", "AA"),
    ]


def test_every_code_has_a_connect_name_and_status() -> None:
    assert set(webproto.CONNECT_CODES) == set(grpc.StatusCode) - {grpc.StatusCode.OK}
