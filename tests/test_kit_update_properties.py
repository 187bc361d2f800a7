"""``update_mask`` as a property: UpdateWidget gives what an oracle of AIP-134/161 gives.

For a random stored widget, a random request and a random mask (paths of
every kind: whole fields, nested ones, output-only ones, invalid ones; ``*``;
the empty mask), the oracle below, written from docs/resources.md, says what
the widget becomes or which error comes:

- masked fields take the request's values (a field the request leaves empty
  is cleared; ``spec.material`` changes one field of ``spec``); others keep
  theirs; output-only fields are ignored in the mask and in the request;
- ``*`` is every writable field; the empty mask is the fields the request sets;
- a stale etag is ABORTED, a bad mask ``UPDATE_MASK_INVALID``, a change to the
  immutable ``code`` ``FIELD_IMMUTABLE``, an empty ``display_name``
  ``DISPLAY_NAME_EMPTY``;
- the etag and ``update_time`` move exactly when the widget changes, and Get
  returns what Update returned.

One host per test and engine; each example updates a widget of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
import grpc.aio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_host.testing import TestHost
from support.widgets import ADA, ADMIN, Client, Widget, refused, stamp, widgets_host

WRITABLE = (
    "display_name",
    "code",
    "color",
    "size",
    "price",
    "active",
    "tags",
    "labels",
    "spec",
    "owner_id",
    "due_time",
)
OUTPUT_ONLY = ("id", "create_time", "update_time", "delete_time", "expire_time", "etag")
NESTED = (
    "spec.material",
    "spec.weight_grams",
    "spec.notes",
    "due_time.seconds",
    "due_time.nanos",
    "create_time.seconds",
)
INVALID = ("", "nope", "spec.nope", "tags.first", "labels.tier", "size.bits", "spec.notes.x", "*")
COLORS = (Widget.COLOR_UNSPECIFIED, Widget.RED, Widget.GREEN, Widget.BLUE)

short_text = st.text(alphabet="aZ9 _-é中", max_size=6)
names = st.one_of(short_text, st.sampled_from(("  ", " padded ", "Name")))
moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
specs = st.builds(
    Widget.Spec,
    material=short_text,
    weight_grams=st.integers(-(2**31), 2**31 - 1),
    notes=st.lists(short_text, max_size=2),
)


@st.composite
def widgets(draw: st.DrawFn, *, for_create: bool) -> Widget:
    """A widget with each writable field set or left at its default."""
    widget = Widget(
        display_name=draw(short_text.filter(str.strip) if for_create else names),
        color=draw(st.sampled_from(COLORS)),
        size=draw(st.sampled_from((0, 1, -(2**63), 2**63 - 1)) | st.integers(-5, 5)),
        price=draw(st.sampled_from((0.0, 1.5, -2.25))),
        active=draw(st.booleans()),
        tags=draw(st.lists(short_text, max_size=3)),
        labels=draw(st.dictionaries(short_text, short_text, max_size=3)),
        owner_id=draw(st.sampled_from(("", ADA, ADMIN))),
    )
    if draw(st.booleans()):
        widget.spec.CopyFrom(draw(specs))
    if draw(st.booleans()):
        widget.due_time.CopyFrom(stamp(draw(moments)))
    return widget


@dataclass(frozen=True)
class Case:
    """An update to try: the stored widget, the request, and the mask's paths."""

    stored: Widget
    stored_code: str  # "" or "KEEP": made unique per example
    request: Widget
    request_code: str  # how the request spells the code: see code_of()
    paths: tuple[str, ...]
    etag: str  # "", "current" or "stale"
    output_only: dict[str, bool]


masks = st.one_of(
    st.just(()),
    st.just(("*",)),
    st.lists(st.sampled_from((*WRITABLE, *OUTPUT_ONLY, *NESTED)), max_size=6).map(tuple),
    # Invalid: a path that names no field, * with others, or too many paths.
    st.tuples(
        st.lists(st.sampled_from((*WRITABLE, *NESTED)), max_size=3),
        st.sampled_from(INVALID),
        st.lists(st.sampled_from((*WRITABLE, *NESTED)), max_size=3),
    ).map(lambda parts: (*parts[0], parts[1], *parts[2])),
    st.just(("size",) * 101),
)

cases = st.builds(
    Case,
    stored=widgets(for_create=True),
    stored_code=st.sampled_from(("", "KEEP")),
    request=widgets(for_create=False),
    request_code=st.sampled_from(("empty", "same", "same-spelled", "other")),
    paths=masks,
    etag=st.sampled_from(("", "", "current", "stale")),
    output_only=st.fixed_dictionaries(
        {name: st.booleans() for name in ("create_time", "delete_time", "etag", "update_time")}
    ),
)


def code_of(spelling: str, stored_code: str) -> str:
    """The request's code: the stored one (or spelled otherwise, as normalize reads it), or not."""
    return {
        "empty": "",
        "same": stored_code,
        "same-spelled": f" {stored_code.lower()} ",
        "other": f"OTHER-{uuid.uuid4().hex[:8]}",
    }[spelling]


def mask_problem(paths: tuple[str, ...]) -> bool:
    """Whether the mask is refused: a path that names no field, * with others, too many."""
    if len(paths) > 100 or ("*" in paths and paths != ("*",)):
        return True
    valid = {*WRITABLE, *OUTPUT_ONLY, *NESTED}
    return paths != ("*",) and any(path not in valid for path in paths)


def set_fields(widget: Widget) -> list[str]:
    """What an empty mask means: the fields the request sets."""
    return [field.name for field, _ in widget.ListFields()]


def expected(current: Widget, request: Widget, paths: tuple[str, ...]) -> Widget:
    """The widget after the update, by the documented mask semantics (before checks)."""
    if paths == ("*",):
        effective = list(WRITABLE)
    elif not paths:
        effective = set_fields(request)
    else:
        effective = list(paths)
    effective = [p for p in effective if p.split(".")[0] not in OUTPUT_ONLY]
    whole = {p for p in effective if "." not in p}
    result = Widget()
    result.CopyFrom(current)
    for path in effective:
        if "." not in path:
            if path in ("spec", "due_time"):
                result.ClearField(path)
                if request.HasField(path):
                    getattr(result, path).CopyFrom(getattr(request, path))
            elif path in ("tags", "labels"):
                result.ClearField(path)
                getattr(result, path).MergeFrom(getattr(request, path))
            else:
                setattr(result, path, getattr(request, path))
            continue
        top, leaf = path.split(".")
        if top in whole:
            continue
        # The request's value, its default when the request leaves the message unset.
        value = getattr(getattr(request, top), leaf)
        if leaf == "notes":
            result.spec.ClearField("notes")
            result.spec.notes.extend(value)
        else:
            setattr(getattr(result, top), leaf, value)
    result.display_name = result.display_name.strip()
    result.code = result.code.strip().upper()
    return visible(result)


def visible(widget: Widget) -> Widget:
    """The widget as a read shows it: timestamps to the microsecond, an empty spec absent."""
    copy = Widget()
    copy.CopyFrom(widget)
    if copy.HasField("spec") and copy.spec == Widget.Spec():
        copy.ClearField("spec")
    if copy.HasField("due_time"):
        copy.due_time.nanos -= copy.due_time.nanos % 1000
    return copy


def without_versioning(widget: Widget) -> Widget:
    copy = Widget()
    copy.CopyFrom(widget)
    for name in ("etag", "update_time"):
        copy.ClearField(name)
    return copy


@pytest.fixture
async def host(crm_database_url: str) -> AsyncIterator[TestHost]:
    async with widgets_host(crm_database_url) as test_host:
        yield test_host


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
async def test_update_gives_what_the_mask_oracle_gives(host: TestHost, case: Case) -> None:
    admin = Client.admin(host)
    stored = Widget()
    stored.CopyFrom(case.stored)
    stored.code = f"KEEP-{uuid.uuid4().hex[:8]}" if case.stored_code else ""
    current = await admin.create_widget(stored)

    request = Widget()
    request.CopyFrom(case.request)
    request.code = code_of(case.request_code, current.code)
    request.id = current.id
    request.etag = {"": "", "current": current.etag, "stale": '"99"'}[case.etag]
    # Output-only fields, which must be ignored, with values unlike the stored ones.
    elsewhere = stamp(datetime(2001, 2, 3, tzinfo=UTC))
    for name, send in case.output_only.items():
        if send and name != "etag":
            getattr(request, name).CopyFrom(elsewhere)

    call = admin.update(request, *case.paths)
    if case.etag == "stale":
        error = await refused(call)
        assert (error.code, error.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
        return
    if mask_problem(case.paths):
        error = await refused(call)
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT
        assert error.violations == [("update_mask", "UPDATE_MASK_INVALID")]
        return
    result = expected(current, request, case.paths)
    if result.code != current.code:
        error = await refused(call)
        assert error.violations == [("widget.code", "FIELD_IMMUTABLE")]
        return
    if not result.display_name:
        error = await refused(call)
        assert error.violations == [("widget.display_name", "DISPLAY_NAME_EMPTY")]
        return

    updated = await call
    assert without_versioning(updated) == without_versioning(result)
    changed = without_versioning(result) != without_versioning(visible(current))
    if changed:
        assert updated.etag == f'"{int(current.etag.strip(chr(34))) + 1}"'
        assert updated.update_time.ToDatetime() > current.update_time.ToDatetime()
    else:
        assert (updated.etag, updated.update_time) == (current.etag, current.update_time)
    assert updated.create_time == current.create_time
    assert await admin.get(current.id) == updated
    assert updated.update_time != elsewhere
