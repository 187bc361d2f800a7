"""No input makes the kit fail inside: every refusal has a precise code and its details.

Hypothesis sends the widget service what a careless or hostile client might:
any text as filter, order_by, page_token (forged, cut or from another query),
update_mask paths and ids; values out of every range (huge strings and lists,
non-finite prices, timestamps beyond year 9999, bad request_ids); and raw
bytes that are not the request message, or are with invalid UTF-8 in a string.
Each call either succeeds or ends with a precise status (never INTERNAL or
UNKNOWN) that carries one ErrorInfo, and INVALID_ARGUMENT names a field.

One host per test and engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, cast

import grpc
import grpc.aio
import pytest
from google.protobuf import timestamp_pb2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm_host.testing import TestHost, rich_error
from support.widgets import ADA, PRECISE, Client, Widget, widgets_host
from testplugins._proto.crmtest.v1 import widgets_pb2

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text a request may carry (protobuf strings cannot hold lone surrogates).
any_text = st.text(st.characters(codec="utf-8"), max_size=40)
FILTER_TOKENS = (
    "display_name",
    "size",
    "price",
    "active",
    "color",
    "due_time",
    "create_time",
    "labels",
    "labels.tier",
    "code",
    "owner_id",
    "nope",
    "=",
    "!=",
    "<",
    ">=",
    ":",
    "AND",
    "OR",
    "NOT",
    "-",
    "(",
    ")",
    "*",
    ".",
    ",",
    '"',
    "'",
    '"x"',
    "'2027-01-01T00:00:00Z'",
    "RED",
    "true",
    "7",
    "-9223372036854775809",
    "1e999",
    "nan",
    "\\",
    "f(x)",
    " ",
)
filters = st.one_of(
    any_text,
    st.lists(st.sampled_from(FILTER_TOKENS), max_size=12).map(" ".join),
    st.lists(st.sampled_from(FILTER_TOKENS), max_size=12).map("".join),
    st.integers(1, 40).map(lambda depth: "(" * depth + "size = 1" + ")" * depth),
    st.integers(60, 70).map(lambda n: " AND ".join(["size = 1"] * n)),
    st.just("x" * 2001),
)
order_bys = st.one_of(
    any_text,
    st.lists(
        st.sampled_from(
            ("display_name", "size", "create_time", "update_time", "price", "asc", "desc", ",", " ")
        ),
        max_size=10,
    ).map(" ".join),
)


@dataclass
class Fixture:
    host: TestHost
    client: Client
    token: str  # a real page token of the query with no filter, order_by "size"
    widget_id: str


@pytest.fixture
async def service(crm_database_url: str) -> AsyncIterator[Fixture]:
    async with widgets_host(crm_database_url) as test_host:
        client = Client(test_host, ADA)
        widget = await client.create_widget(Widget(display_name="one", labels={"tier": "gold"}))
        await client.create_widget(Widget(display_name="two", size=2))
        page = await client.page(page_size=1, order_by="size")
        yield Fixture(test_host, client, page.next_page_token, widget.id)


async def precise(call: Awaitable[Any]) -> Any:
    """The call's answer, or None when it is refused with a precise, detailed error."""
    try:
        return await call
    except grpc.aio.AioRpcError as caught:
        error = caught
    assert error.code() in PRECISE, (error.code(), error.details())
    if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and not error.trailing_metadata():
        # grpc's own refusal of a message over the server's size limit.
        return None
    details = rich_error(error)
    assert details.reason
    if details.code == grpc.StatusCode.INVALID_ARGUMENT and details.reason != "MALFORMED_REQUEST":
        # Only a request that is no message at all has no field to name.
        assert details.violations, details
    return None


@st.composite
def page_tokens(draw: st.DrawFn, real: str) -> str:
    """Forged tokens: the real one cut, changed or padded, or any text."""
    kind = draw(st.sampled_from(("cut", "flip", "pad", "text", "real")))
    if kind == "cut":
        return real[: draw(st.integers(0, max(len(real) - 1, 0)))]
    if kind == "flip":
        at = draw(st.integers(0, len(real) - 1))
        replacement = draw(st.sampled_from("Aa0-_=+/.%"))
        return real[:at] + replacement + real[at + 1 :]
    if kind == "pad":
        return real + draw(st.sampled_from(("=", "==", "A", "AAAA")))
    if kind == "text":
        return str(draw(any_text))
    return real


@SETTINGS
@given(
    filter=filters,
    order_by=order_bys,
    page_size=st.integers(-(2**31), 2**31 - 1),
    show_deleted=st.booleans(),
    data=st.data(),
)
async def test_list_takes_any_query(
    service: Fixture,
    filter: str,
    order_by: str,
    page_size: int,
    show_deleted: bool,
    data: st.DataObject,
) -> None:
    token = data.draw(st.one_of(st.just(""), page_tokens(service.token)))
    await precise(
        service.client.page(
            filter=filter,
            order_by=order_by,
            page_size=page_size,
            page_token=token,
            show_deleted=show_deleted,
        )
    )


@SETTINGS
@given(token=st.data(), order_by=st.sampled_from(("size", "size desc", "display_name", "")))
async def test_a_page_token_works_only_for_its_query(
    service: Fixture, token: st.DataObject, order_by: str
) -> None:
    forged = token.draw(page_tokens(service.token))
    answer = await precise(service.client.page(page_size=1, order_by=order_by, page_token=forged))
    if answer is not None:
        # Accepted: no token (the first page), or the real one for its own query.
        assert forged == "" or (forged, order_by) == (service.token, "size")


ids = st.one_of(
    any_text,
    st.uuids().map(str),
    st.uuids().map(lambda value: str(value).upper()),
    st.uuids().map(lambda value: value.hex),
    st.just("x" * 70_000),
)


@SETTINGS
@given(
    widget_id=ids,
    etag=st.one_of(any_text, st.just('"1"')),
    method=st.sampled_from(("get", "delete", "undelete")),
)
async def test_any_id_and_etag(service: Fixture, widget_id: str, etag: str, method: str) -> None:
    client = service.client
    if method == "get":
        await precise(client.get(widget_id))
    elif method == "delete":
        await precise(client.delete(widget_id, etag))
    else:
        await precise(client.undelete(widget_id, etag))


@SETTINGS
@given(
    paths=st.lists(
        st.one_of(
            any_text,
            st.sampled_from(("*", "spec.material", "labels.tier", "due_time.nanos", "id", "")),
        ),
        max_size=5,
    )
    | st.just(["size"] * 101),
    existing=st.booleans(),
    widget_id=ids,
)
async def test_any_update_mask(
    service: Fixture, paths: list[str], existing: bool, widget_id: str
) -> None:
    request = Widget(id=service.widget_id if existing else widget_id, size=3)
    await precise(service.client.update(request, *paths))


timestamps = st.builds(
    timestamp_pb2.Timestamp,
    seconds=st.one_of(
        st.integers(-(2**63), 2**63 - 1), st.sampled_from((-62135596801, 253402300800))
    ),
    nanos=st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers(0, 999_999_999)),
)
big_text = st.one_of(any_text, st.integers(190, 5000).map(lambda n: "é" * n))


@st.composite
def extreme_widgets(draw: st.DrawFn) -> Widget:
    widget = Widget(
        display_name=draw(big_text),
        code=draw(st.one_of(any_text, st.just("c" * 60))),
        # Enum values beyond those declared, as an open enum allows.
        color=cast(Any, draw(st.integers(-5, 10))),
        size=draw(st.integers(-(2**63), 2**63 - 1)),
        price=draw(st.floats()),
        active=draw(st.booleans()),
        tags=draw(st.lists(big_text, max_size=25)),
        labels=draw(st.dictionaries(any_text, big_text, max_size=25)),
        owner_id=draw(st.one_of(any_text, st.just("o" * 10_000))),
    )
    if draw(st.booleans()):
        widget.due_time.CopyFrom(draw(timestamps))
    if draw(st.booleans()):
        widget.spec.CopyFrom(
            Widget.Spec(
                material=draw(big_text),
                weight_grams=draw(st.integers(-(2**31), 2**31 - 1)),
                notes=draw(st.lists(any_text, max_size=30)),
            )
        )
    return widget


def beyond(seconds: int, nanos: int = 0) -> Widget:
    """A widget due at a time no datetime holds."""
    return Widget(
        display_name="late", due_time=timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
    )


@SETTINGS
@example(widget=beyond(-62_135_596_801), request_id="", update=False)
@example(widget=beyond(253_402_300_800), request_id="", update=True)
@example(widget=beyond(0, -1), request_id="", update=False)
@given(
    widget=extreme_widgets(),
    request_id=st.one_of(st.just(""), any_text, st.uuids().map(str)),
    update=st.booleans(),
)
async def test_any_values_in_create_and_update(
    service: Fixture, widget: Widget, request_id: str, update: bool
) -> None:
    client = service.client
    if update:
        widget.id = service.widget_id
        written = await precise(client.update(widget, "*"))
    else:
        written = await precise(client.create_widget(widget, request_id))
    if written is not None:
        # What was written reads back as it was answered.
        read = await client.get(written.id)
        assert read.SerializeToString(deterministic=True) == written.SerializeToString(
            deterministic=True
        )


METHODS = ("ListWidgets", "GetWidget", "CreateWidget", "UpdateWidget", "DeleteWidget")


def string_field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field: a string holding any bytes."""
    return bytes([number << 3 | 2]) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


@SETTINGS
@given(
    method=st.sampled_from(METHODS),
    raw=st.one_of(
        st.binary(max_size=64),
        # A well-formed message whose string field (1: id; 3: filter) is not UTF-8.
        st.tuples(st.sampled_from((1, 3)), st.binary(max_size=16)).map(
            lambda field: string_field(field[0], b"\xff" + field[1])
        ),
        # A widget (field 1 of Create and Update) whose display_name is not UTF-8.
        st.binary(max_size=16).map(
            lambda payload: string_field(1, string_field(2, b"\xc3" + payload))
        ),
    ),
)
async def test_any_bytes_as_a_request(service: Fixture, method: str, raw: bytes) -> None:
    call = service.host.channel.unary_unary(f"/crmtest.v1.WidgetService/{method}")
    answer = await precise(call(raw, metadata=service.client.metadata, timeout=30))
    if answer is not None:
        # Accepted: it was a request after all.
        response_type = {
            "ListWidgets": widgets_pb2.ListWidgetsResponse,
        }.get(method, Widget)
        response_type.FromString(answer)


async def test_a_price_is_a_number_or_infinite(service: Fixture) -> None:
    """NaN is refused naming the field (SQLite cannot store it); infinities round-trip."""
    client = service.client
    for value in (float("inf"), float("-inf")):
        created = await client.create_widget(Widget(display_name="boundless", price=value))
        assert (await client.get(created.id)).price == value
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await client.create_widget(Widget(display_name="nan", price=float("nan")))
    assert rich_error(failure.value).violations == [("widget.price", "PRICE_INVALID")]
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await client.update(Widget(id=service.widget_id, price=float("nan")), "price")
    assert rich_error(failure.value).violations == [("widget.price", "PRICE_INVALID")]


@SETTINGS
@given(
    widget_ids=st.lists(st.one_of(ids, st.just(""), st.just("existing")), min_size=3, max_size=3),
    name=big_text,
    filter=filters,
    order_by=order_bys,
    update=st.booleans(),
)
async def test_any_references_and_queries_of_parts(
    service: Fixture,
    widget_ids: list[str],
    name: str,
    filter: str,
    order_by: str,
    update: bool,
) -> None:
    """Parts refer to widgets: any id in a reference is checked, never used blindly."""
    stub = service.client.stub
    metadata = service.client.metadata
    widget_id, spare_for_id, keeper_id = (
        service.widget_id if value == "existing" else value for value in widget_ids
    )
    part = widgets_pb2.Part(
        name=name, widget_id=widget_id, spare_for_id=spare_for_id, keeper_id=keeper_id
    )
    if update:
        kept = await stub.CreatePart(
            widgets_pb2.CreatePartRequest(part=widgets_pb2.Part(name="kept")), metadata=metadata
        )
        part.id = kept.id
        await precise(stub.UpdatePart(widgets_pb2.UpdatePartRequest(part=part), metadata=metadata))
    else:
        await precise(stub.CreatePart(widgets_pb2.CreatePartRequest(part=part), metadata=metadata))
    await precise(
        stub.ListParts(
            widgets_pb2.ListPartsRequest(filter=filter, order_by=order_by, page_size=5),
            metadata=metadata,
        )
    )
