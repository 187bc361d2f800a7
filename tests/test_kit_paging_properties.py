"""Page walks as a property: under concurrent writes, each lasting row is listed exactly once.

Each example stores a few widgets of its own (a label tells them apart), then
walks ListWidgets with a small page size, under a random ``order_by`` of the
sortable fields (ties on purpose: few names and sizes), while writes run
concurrently with every page: other widgets are created, soft- or
hard-deleted, and lasting widgets have a field outside the order changed.
Whatever the interleaving:

- every widget that existed for the whole walk is listed exactly once;
- no widget is listed twice, and every listed one is the example's own;
- the walk is strictly ascending in the order asked for, the id breaking ties.

One host per test and engine.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_host.testing import TestHost
from support.widgets import Client, Widget, moment, widgets_host

SORTABLE = ("display_name", "size", "create_time", "update_time")
NAMES = ("alpha", "Alpha", "beta", "ßeta", "gamma")
SIZES = (-3, 0, 0, 7)
MAX_PAGES = 200


@dataclass(frozen=True)
class Insert:
    name: str
    size: int


@dataclass(frozen=True)
class Remove:
    """Delete the ``index``-th widget inserted during the walk (if any), softly or for good."""

    index: int
    soft: bool


@dataclass(frozen=True)
class Touch:
    """Change the price of the ``index``-th lasting widget: not a sort key."""

    index: int


Write = Insert | Remove | Touch

inserts = st.builds(Insert, st.sampled_from(NAMES), st.sampled_from(SIZES))
writes = st.one_of(
    inserts,
    st.builds(Remove, st.integers(0, 30), st.booleans()),
    st.builds(Touch, st.integers(0, 30)),
)
orders = st.lists(
    st.tuples(st.sampled_from(SORTABLE), st.sampled_from(("", " asc", " desc"))),
    max_size=3,
    unique_by=lambda term: term[0],
)


@pytest.fixture
async def host(crm_database_url: str) -> AsyncIterator[TestHost]:
    async with widgets_host(crm_database_url) as test_host:
        yield test_host


def sort_value(widget: Widget, path: str) -> Any:
    if path == "display_name":
        # The kit orders names case-folded.
        return widget.display_name.casefold()
    if path in ("create_time", "update_time"):
        value: datetime = moment(getattr(widget, path))
        return value
    return getattr(widget, path)


def before(terms: list[tuple[str, bool]], first: Widget, second: Widget) -> bool:
    """Whether ``first`` comes strictly before ``second`` in the order (the id last)."""
    id_descending = terms[-1][1] if terms else False
    for path, descending in [*terms, ("id", id_descending)]:
        a = first.id if path == "id" else sort_value(first, path)
        b = second.id if path == "id" else sort_value(second, path)
        if a != b:
            return bool((a > b) if descending else (a < b))
    return False


class Writer:
    """Runs the example's writes, one batch alongside each page."""

    def __init__(self, host: TestHost, client: Client, label: str, lasting: list[Widget]) -> None:
        self.kit = host.host.kit
        self.client = client
        self.label = label
        self.lasting = lasting
        self.inserted: list[str] = []
        self.removed: set[str] = set()

    async def run(self, batch: list[Write]) -> None:
        for write in batch:
            if isinstance(write, Insert):
                created = await self.client.create_widget(
                    Widget(display_name=write.name, size=write.size, labels={"walk": self.label})
                )
                self.inserted.append(created.id)
            elif isinstance(write, Remove):
                if not self.inserted:
                    continue
                widget_id = self.inserted[write.index % len(self.inserted)]
                if widget_id in self.removed:
                    continue
                self.removed.add(widget_id)
                if write.soft:
                    await self.client.delete(widget_id)
                else:
                    await self.hard_delete(widget_id)
            else:
                widget = self.lasting[write.index % len(self.lasting)]
                await self.client.update(Widget(id=widget.id, price=write.index + 0.5), "price")

    async def hard_delete(self, widget_id: str) -> None:
        """Gone for good, as a purge leaves it."""
        table = self.kit.resource("crmtest.widget").table
        await self.kit.database.transaction(
            lambda session: session.execute(table.delete().where(table.c.id == widget_id))
        )


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lasting=st.lists(inserts, min_size=1, max_size=12),
    order=orders,
    page_size=st.integers(1, 4),
    batches=st.lists(st.lists(writes, max_size=4), max_size=8),
)
async def test_a_walk_lists_each_lasting_widget_once(
    host: TestHost,
    lasting: list[Insert],
    order: list[tuple[str, str]],
    page_size: int,
    batches: list[list[Write]],
) -> None:
    client = Client.admin(host)
    label = uuid.uuid4().hex
    kept = [
        await client.create_widget(
            Widget(display_name=write.name, size=write.size, labels={"walk": label})
        )
        for write in lasting
    ]
    touches = any(isinstance(write, Touch) for batch in batches for write in batch)
    terms = [(path, direction == " desc") for path, direction in order]
    if touches and "update_time" in {path for path, _ in terms}:
        # A touched widget moves in that order: it may be listed twice or not at all.
        terms = [term for term in terms if term[0] != "update_time"]
    order_by = ", ".join(f"{path}{' desc' if descending else ''}" for path, descending in terms)
    writer = Writer(host, client, label, kept)

    listed: list[Widget] = []
    token = ""
    for number in range(MAX_PAGES):
        batch = batches[number] if number < len(batches) else []
        page, _ = await asyncio.gather(
            client.page(
                filter=f'labels.walk = "{label}"',
                order_by=order_by,
                page_size=page_size,
                page_token=token,
            ),
            writer.run(batch),
        )
        listed.extend(page.widgets)
        token = page.next_page_token
        if not token:
            break
    assert not token, "the walk did not end"

    ids = [widget.id for widget in listed]
    assert len(ids) == len(set(ids)), "a widget listed twice"
    assert {w.id for w in kept} <= set(ids), "a lasting widget missed"
    assert set(ids) <= {w.id for w in kept} | set(writer.inserted)
    for first, second in itertools.pairwise(listed):
        assert before(order_terms(terms), first, second), (order_by, first.id, second.id)


def order_terms(terms: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The order the kit applies: create_time when the request names none."""
    return terms or [("create_time", False)]
