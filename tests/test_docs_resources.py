"""docs/resources.md's examples, run as written against the widgets test plugin.

The page's tables are read here: the example widgets are created as its
table describes them, and every filter, refused filter, equivalent spelling
and order_by it shows is sent over the wire, on SQLite and PostgreSQL. Its
code excerpts are the widgets plugin's own lines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest

from crm_host.testing import TestHost, rich_error, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc
from testplugins.widgets import WidgetsPlugin

ROOT = Path(__file__).parent.parent
PAGE = (ROOT / "docs" / "resources.md").read_text(encoding="utf-8")
WIDGETS_PLUGIN = (ROOT / "tests" / "testplugins" / "widgets.py").read_text(encoding="utf-8")
OWNER = "11111111-1111-4111-8111-111111111111"


def table(header: str) -> list[list[str]]:
    """The cells of the rows of the table whose header line is ``header``, code spans unwrapped."""
    lines = PAGE.splitlines()
    assert lines.count(header) == 1, header
    rows = []
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        rows.append([cell[1:-1] if cell.startswith("`") else cell for cell in cells])
    return rows


def names(cell: str) -> list[str]:
    return [] if cell == "nothing" else [name.strip() for name in cell.split(",")]


def widget(row: list[str]) -> widgets_pb2.Widget:
    """A widget as a row of the page's table of example widgets describes it."""
    name, code, color, size, price, active, labels, due_time = row
    new = widgets_pb2.Widget(
        display_name=name,
        code=code,
        color=color,
        size=int(size),
        price=float(price),
        active=active == "true",
        labels=dict(pair.split("=") for pair in labels.split(", ") if pair),
    )
    if due_time:
        new.due_time.FromDatetime(datetime.fromisoformat(due_time))
    return new


class Widgets:
    def __init__(self, host: TestHost) -> None:
        self.stub = widgets_pb2_grpc.WidgetServiceStub(host.channel)
        self.metadata = host.caller(OWNER)

    async def page(self, **fields: Any) -> widgets_pb2.ListWidgetsResponse:
        request = widgets_pb2.ListWidgetsRequest(**fields)
        response: widgets_pb2.ListWidgetsResponse = await self.stub.ListWidgets(
            request, metadata=self.metadata, timeout=10
        )
        return response

    async def names(self, **fields: Any) -> list[str]:
        return [found.display_name for found in (await self.page(**fields)).widgets]


@pytest.fixture
async def widgets(crm_database_url: str) -> AsyncIterator[Widgets]:
    """The page's example widgets, created in its order."""
    test_host = await start_test_host([(WidgetsPlugin(), "widgets")], crm_database_url)
    client = Widgets(test_host)
    rows = table("| display_name | code | color | size | price | active | labels | due_time |")
    assert len(rows) == 4
    for row in rows:
        request = widgets_pb2.CreateWidgetRequest(widget=widget(row))
        await client.stub.CreateWidget(request, metadata=client.metadata, timeout=10)
    yield client
    await stop_test_host(test_host)


async def test_each_filter_returns_what_the_page_says(widgets: Widgets) -> None:
    examples = table("| filter | returns |")
    assert len(examples) > 20
    for text, returns in examples:
        assert await widgets.names(filter=text) == names(returns), text


async def test_each_refused_filter_has_the_reason_the_page_says(widgets: Widgets) -> None:
    examples = table("| filter | reason |")
    assert len(examples) > 10
    for text, reason in examples:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await widgets.page(filter=text)
        error = rich_error(failure.value)
        assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_FAILED")
        assert error.violations == [("filter", reason)], text


async def test_equivalent_spellings_share_page_tokens(widgets: Widgets) -> None:
    examples = table("| filter | same query as |")
    assert len(examples) >= 5
    for first, same in examples:
        page = await widgets.page(filter=first, page_size=1)
        assert page.next_page_token, first
        rest = await widgets.names(filter=same, page_token=page.next_page_token)
        assert rest == (await widgets.names(filter=first))[1:], (first, same)


async def test_each_order_returns_what_the_page_says(widgets: Widgets) -> None:
    examples = table("| order_by | returns |")
    assert len(examples) >= 4
    for order_by, returns in examples:
        assert await widgets.names(order_by=order_by) == names(returns), order_by


def test_the_code_excerpts_are_the_widgets_plugins_own() -> None:
    blocks = PAGE.split("```python\n")[1:]
    assert len(blocks) == 2
    plugin = [line.strip() for line in WIDGETS_PLUGIN.splitlines()]
    for block in blocks:
        excerpt = [line.strip() for line in block.split("```", 1)[0].splitlines()]
        assert any(
            plugin[start : start + len(excerpt)] == excerpt for start in range(len(plugin))
        ), excerpt[0]
