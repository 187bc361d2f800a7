"""The resource kit over the wire: every standard method of a declared resource.

The test resources (tests/testplugins/widgets.py) declare nothing but data:
every method here is the kit's. Each test runs on SQLite and, with
CRM_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import grpc.aio
import pytest
from sqlalchemy import update

from crm_host import kit
from crm_host.errors import ServiceError
from crm_host.kit import BoundResource, Field
from crm_host.testing import TestHost, start_test_host, stop_test_host
from support.widgets import DOMAIN, Client, Widget, refused, stamp
from testplugins._proto.crmtest.v1 import widgets_pb2
from testplugins.widgets import ADMIN_ROLE, WIDGET, WidgetRow, WidgetsPlugin


@pytest.fixture
async def widgets_host(crm_database_url: str) -> AsyncIterator[TestHost]:
    test_host = await start_test_host([(WidgetsPlugin(), "widgets")], crm_database_url)
    yield test_host
    await stop_test_host(test_host)


@pytest.fixture
def ada(widgets_host: TestHost) -> Client:
    return Client(widgets_host, "11111111-1111-4111-8111-111111111111")


@pytest.fixture
def bob(widgets_host: TestHost) -> Client:
    return Client(widgets_host, "22222222-2222-4222-8222-222222222222")


@pytest.fixture
def admin(widgets_host: TestHost) -> Client:
    return Client(widgets_host, "33333333-3333-4333-8333-333333333333", (ADMIN_ROLE,))


async def test_create_then_get_keeps_every_kind_of_field(ada: Client) -> None:
    due = datetime(2027, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
    created = await ada.create(
        id="ignored: output only",
        display_name="  Sprocket  ",
        code="sp-1",
        color=Widget.BLUE,
        size=2**40,
        price=9.75,
        active=True,
        tags=["metal", "small"],
        labels={"tier": "gold", "region": "eu"},
        spec=Widget.Spec(material="steel", weight_grams=120, notes=["oiled"]),
        due_time=stamp(due),
        etag="ignored",
    )
    assert created.id != "ignored: output only"
    assert len(created.id) == 36
    assert created.etag == '"1"'
    # Normalized by the resource's own normalize().
    assert (created.display_name, created.code) == ("Sprocket", "SP-1")
    assert created.owner_id == ada.account_id
    assert created.create_time == created.update_time
    assert not created.HasField("delete_time")
    fetched = await ada.get(created.id)
    assert fetched == created
    assert fetched.spec.notes == ["oiled"]
    assert dict(fetched.labels) == {"tier": "gold", "region": "eu"}
    assert fetched.due_time.ToDatetime(tzinfo=UTC) == due
    assert fetched.size == 2**40


async def test_a_stored_field_the_message_no_longer_has_is_skipped(
    widgets_host: TestHost, ada: Client
) -> None:
    created = await ada.create(
        display_name="Old", spec=Widget.Spec(material="wood", weight_grams=5), labels={"a": "b"}
    )
    # As a row written before the field was removed from the .proto would hold it.
    stored = {"material": "wood", "weight_grams": 5, "retired_field": "x"}

    def rewrite() -> None:
        with widgets_host.host.engine.begin() as connection:
            connection.execute(
                update(WidgetRow).where(WidgetRow.id == created.id).values(spec=stored)
            )

    await asyncio.to_thread(rewrite)
    fetched = await ada.get(created.id)
    assert fetched.spec == Widget.Spec(material="wood", weight_grams=5)
    assert dict(fetched.labels) == {"a": "b"}
    assert [w.spec for w in await ada.all()] == [fetched.spec]


@pytest.mark.parametrize(
    ("fields", "violations"),
    [
        ({}, [("widget.display_name", "DISPLAY_NAME_EMPTY")]),
        ({"display_name": "   "}, [("widget.display_name", "DISPLAY_NAME_EMPTY")]),
        ({"display_name": "x" * 201}, [("widget.display_name", "DISPLAY_NAME_TOO_LONG")]),
        (
            {"display_name": "ok", "tags": ["t"] * 21},
            [("widget.tags", "TAGS_TOO_MANY")],
        ),
        (
            {"display_name": "ok", "tags": ["x" * 51]},
            [("widget.tags", "TAGS_TOO_LONG")],
        ),
        # Beyond four bytes per character of the limit: refused before any handler.
        ({"display_name": "x" * 801}, [("widget.display_name", "FIELD_TOO_LARGE")]),
    ],
)
async def test_create_refuses_invalid_fields_naming_them(
    ada: Client, fields: dict[str, Any], violations: list[tuple[str, str]]
) -> None:
    error = await refused(ada.create(**fields))
    assert (error.code, error.reason, error.domain) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "VALIDATION_FAILED",
        DOMAIN,
    )
    assert error.violations == violations


async def test_a_unique_key_is_unique_among_live_resources(ada: Client) -> None:
    first = await ada.create(display_name="A", code="dup")
    error = await refused(ada.create(display_name="B", code="DUP"))
    assert (error.code, error.reason) == (grpc.StatusCode.ALREADY_EXISTS, "CODE_ALREADY_EXISTS")
    await ada.delete(first.id)
    second = await ada.create(display_name="B", code="dup")
    assert second.code == "DUP"
    # Undeleting the first would make two live widgets with one code.
    error = await refused(ada.undelete(first.id))
    assert (error.code, error.reason) == (grpc.StatusCode.ALREADY_EXISTS, "CODE_ALREADY_EXISTS")
    # Empty codes never clash.
    await ada.create(display_name="C")
    await ada.create(display_name="D")


async def test_request_id_makes_create_idempotent(ada: Client) -> None:
    request_id = "6a1b0c3e-5f1d-4c7e-9d2a-1b2c3d4e5f60"
    first = await ada.create(request_id, display_name="Once")
    await ada.update(Widget(id=first.id, display_name="Changed since"), "display_name")
    retried = await ada.create(request_id, display_name="Once")
    # The original answer, even though the widget changed since.
    assert retried == first
    assert len(await ada.all()) == 1
    error = await refused(ada.create(request_id, display_name="Another payload"))
    assert error.violations == [("request_id", "REQUEST_ID_REUSED")]
    error = await refused(ada.create("not-a-uuid", display_name="X"))
    assert error.violations == [("request_id", "REQUEST_ID_INVALID")]


async def test_concurrent_retries_create_one_resource(ada: Client) -> None:
    request_id = "7b2c1d4f-6a2e-4d8f-8e3b-2c3d4e5f6a71"
    answers = await asyncio.gather(
        *(ada.create(request_id, display_name="Racer") for _ in range(8)),
        return_exceptions=True,
    )
    created = [a for a in answers if isinstance(a, Widget)]
    assert created, answers
    assert {w.id for w in created} == {created[0].id}
    assert len(await ada.all()) == 1


async def test_update_masks(ada: Client) -> None:
    widget = await ada.create(
        display_name="Gear", size=3, tags=["a"], spec=Widget.Spec(material="iron", weight_grams=5)
    )
    # An empty mask changes the fields the request sets.
    changed = await ada.update(Widget(id=widget.id, size=4))
    assert (changed.size, changed.display_name, list(changed.tags)) == (4, "Gear", ["a"])
    assert changed.etag == '"2"'
    # A nested path changes one field of a message.
    changed = await ada.update(
        Widget(id=widget.id, spec=Widget.Spec(material="brass")), "spec.material"
    )
    assert (changed.spec.material, changed.spec.weight_grams) == ("brass", 5)
    # A masked field left empty is cleared.
    changed = await ada.update(Widget(id=widget.id), "tags")
    assert list(changed.tags) == []
    # Output-only fields are ignored, in the mask and in the message.
    changed = await ada.update(
        Widget(id=widget.id, display_name="Gear 2", etag="", create_time=stamp(datetime.now(UTC))),
        "display_name",
        "create_time",
    )
    assert changed.create_time == widget.create_time
    # * replaces every writable field (the owner included: it is sent).
    replaced = await ada.update(
        Widget(id=widget.id, display_name="Bare", owner_id=ada.account_id), "*"
    )
    assert (replaced.size, replaced.spec.material, replaced.owner_id) == (0, "", ada.account_id)
    error = await refused(ada.update(Widget(id=widget.id), "no_such_field"))
    assert error.violations == [("update_mask", "UPDATE_MASK_INVALID")]
    error = await refused(ada.update(Widget(id=widget.id), "*", "size"))
    assert error.violations == [("update_mask", "UPDATE_MASK_INVALID")]


async def test_an_immutable_field_cannot_change(ada: Client) -> None:
    widget = await ada.create(display_name="Fixed", code="IMM")
    error = await refused(ada.update(Widget(id=widget.id, code="OTHER"), "code"))
    assert error.violations == [("widget.code", "FIELD_IMMUTABLE")]
    # Sending the same value is no change.
    same = await ada.update(Widget(id=widget.id, code="IMM", display_name="Renamed"))
    assert same.code == "IMM"


async def test_a_stale_etag_is_aborted(ada: Client) -> None:
    widget = await ada.create(display_name="Versioned")
    await ada.update(Widget(id=widget.id, size=1))
    error = await refused(ada.update(Widget(id=widget.id, size=2, etag=widget.etag)))
    assert (error.code, error.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    error = await refused(ada.delete(widget.id, etag=widget.etag))
    assert error.reason == "ETAG_MISMATCH"
    current = await ada.get(widget.id)
    assert (await ada.update(Widget(id=widget.id, size=2, etag=current.etag))).size == 2


async def test_only_the_owner_or_the_role_may_change_a_widget(
    ada: Client, bob: Client, admin: Client
) -> None:
    widget = await ada.create(display_name="Mine")
    assert (await bob.get(widget.id)).display_name == "Mine"
    error = await refused(bob.update(Widget(id=widget.id, size=9)))
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    error = await refused(bob.delete(widget.id))
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert (await admin.update(Widget(id=widget.id, size=9))).size == 9
    missing = "44444444-4444-4444-8444-444444444444"
    error = await refused(ada.get(missing))
    assert (error.code, error.reason, error.metadata) == (
        grpc.StatusCode.NOT_FOUND,
        "WIDGET_NOT_FOUND",
        {"id": missing},
    )
    error = await refused(ada.get("not-an-id"))
    assert error.violations == [("id", "ID_INVALID")]


async def test_soft_delete_undelete_and_purge(widgets_host: TestHost, ada: Client) -> None:
    widget = await ada.create(display_name="Ephemeral")
    deleted = await ada.delete(widget.id)
    assert deleted.HasField("delete_time")
    assert deleted.expire_time.ToDatetime(tzinfo=UTC) - deleted.delete_time.ToDatetime(
        tzinfo=UTC
    ) == timedelta(days=30)
    # Get still returns it; List hides it unless asked.
    assert (await ada.get(widget.id)).HasField("delete_time")
    assert await ada.all() == []
    assert [w.id for w in await ada.all(show_deleted=True)] == [widget.id]
    error = await refused(ada.delete(widget.id))
    assert error.code == grpc.StatusCode.NOT_FOUND
    error = await refused(ada.update(Widget(id=widget.id, size=1)))
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "WIDGET_DELETED")
    restored = await ada.undelete(widget.id)
    assert not restored.HasField("delete_time")
    assert not restored.HasField("expire_time")
    error = await refused(ada.undelete(widget.id))
    assert (error.code, error.reason) == (grpc.StatusCode.ALREADY_EXISTS, "WIDGET_NOT_DELETED")

    # Purged once expired: gone for good.
    await ada.delete(widget.id)
    kit = widgets_host.host.kit
    table = kit.resource("crmtest.widget").table
    past = datetime.now(UTC) - timedelta(seconds=1)
    await kit.database.transaction(lambda s: s.execute(table.update().values(expire_time=past)))
    assert await kit.purge(retention=timedelta(days=7)) >= 1
    error = await refused(ada.get(widget.id))
    assert error.code == grpc.StatusCode.NOT_FOUND
    error = await refused(ada.undelete(widget.id))
    assert error.code == grpc.StatusCode.NOT_FOUND


async def test_a_sortable_timestamp_field_pages(widgets_host: TestHost, ada: Client) -> None:
    """Page tokens carry a declared Timestamp's sort key as they carry create_time's."""
    kit = widgets_host.host.kit
    fields = {**WIDGET.fields, "due_time": Field(filter=True, sort=True)}
    bound = BoundResource(kit, dataclasses.replace(WIDGET, fields=fields), DOMAIN)
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for day in (2, 0, 1):
        await ada.create(display_name=f"day {day}", due_time=stamp(start + timedelta(days=day)))
    names, token = [], ""
    while True:
        page, token = await bound.list(
            page_size=1, page_token=token, filter="", order_by="due_time desc"
        )
        names += [widget.display_name for widget in page]  # type: ignore[attr-defined]
        if not token:
            break
    assert names == ["day 2", "day 1", "day 0"]


async def _sized_widgets(widgets_host: TestHost, ada: Client) -> BoundResource:
    """The widget resource, with widgets "Size 1", 7, 8 and 9 of those sizes."""
    for size in (1, 7, 8, 9):
        await ada.create(display_name=f"Size {size}", size=size)
    bound: BoundResource = widgets_host.host.kit.resource("crmtest.widget")
    return bound


async def test_a_custom_list_narrows_with_its_own_condition_bound_into_tokens(
    widgets_host: TestHost, ada: Client
) -> None:
    """``list(where=..., query=...)``: what a search method pages with."""
    bound = await _sized_widgets(widgets_host, ada)
    big = WidgetRow.size > 5
    page, token = await bound.list(
        page_size=2, page_token="", filter="", order_by="size", where=big, query="big"
    )
    assert [w.size for w in page] == [7, 8]  # type: ignore[attr-defined]
    page, last = await bound.list(
        page_size=2, page_token=token, filter="", order_by="size", where=big, query="big"
    )
    assert ([w.size for w in page], last) == ([9], "")  # type: ignore[attr-defined]
    for query in ("", "small"):
        with pytest.raises(ServiceError) as failure:
            await bound.list(
                page_size=2, page_token=token, filter="", order_by="size", where=big, query=query
            )
        assert [v.reason for v in failure.value.field_violations] == ["PAGE_TOKEN_MISMATCH"]


async def test_a_custom_list_orders_by_its_own_sortable_and_bounds_by_its_window(
    widgets_host: TestHost, ada: Client
) -> None:
    """``list(sortables=..., where=<function of the Window>)``: a search bounding its reads."""
    bound = await _sized_widgets(widgets_host, ada)
    windows: list[kit.Window] = []

    def big(window: kit.Window) -> Any:
        windows.append(window)
        return WidgetRow.size > 5

    folded = kit.Sortable("folded", WidgetRow.__table__.c.name_folded)
    pages, token = [], ""
    while True:
        page, token = await bound.list(
            page_size=2,
            page_token=token,
            filter="",
            order_by="folded desc",
            where=big,
            query="big",
            sortables=[folded],
        )
        pages.append([w.size for w in page])  # type: ignore[attr-defined]
        if not token:
            break
    assert pages == [[9, 8], [7]]
    assert [window.limit for window in windows] == [3, 3]
    assert windows[0].key is None
    assert windows[1].key is not None
    assert windows[1].key[0] == "size 8"
    # The extra key is this call's alone.
    with pytest.raises(ServiceError) as failure:
        await bound.list(page_size=2, page_token="", filter="", order_by="folded")
    assert [v.reason for v in failure.value.field_violations] == ["ORDER_BY_INVALID"]


async def test_once_answers_a_retried_request_id_without_running_again(
    widgets_host: TestHost,
) -> None:
    """``once``: the request_id idempotency of Create, for custom methods."""
    bound = widgets_host.host.kit.resource("crmtest.widget")
    runs: list[int] = []

    def work(session: Any) -> Widget:
        runs.append(1)
        return Widget(display_name=f"run {len(runs)}")

    request = widgets_pb2.DeleteWidgetRequest(id="anything")
    request_id = "4a1a7e4e-5d0c-4d43-9a55-0c3f0f7d2b61"
    first = await bound.once("Touch", request_id, request, work)
    assert await bound.once("Touch", request_id.upper(), request, work) == first
    assert (first.display_name, len(runs)) == ("run 1", 1)  # type: ignore[attr-defined]
    # The id is per method: another method's request with it is another request.
    await bound.once("Poke", request_id, request, work)
    assert len(runs) == 2
    with pytest.raises(ServiceError) as failure:
        await bound.once("Touch", request_id, widgets_pb2.DeleteWidgetRequest(id="other"), work)
    assert [v.reason for v in failure.value.field_violations] == ["REQUEST_ID_REUSED"]
    await bound.once("Touch", "", request, work)
    await bound.once("Touch", "", request, work)
    assert len(runs) == 4
