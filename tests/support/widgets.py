"""The widget test service (tests/testplugins/widgets.py) as one caller sees it over the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2, timestamp_pb2

from crm_host.testing import RichError, TestHost, rich_error, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc
from testplugins.widgets import ADMIN_ROLE, WidgetsPlugin

Widget = widgets_pb2.Widget
DOMAIN = "crmtest.v1.WidgetService"
ADA = "11111111-1111-4111-8111-111111111111"
ADMIN = "33333333-3333-4333-8333-333333333333"
# Codes a host may answer with for a request it refuses: never INTERNAL or UNKNOWN.
PRECISE = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)


@asynccontextmanager
async def widgets_host(database_url: str) -> AsyncIterator[TestHost]:
    """A host serving only the widgets plugin, on ``database_url``."""
    test_host = await start_test_host([(WidgetsPlugin(), "widgets")], database_url)
    try:
        yield test_host
    finally:
        await stop_test_host(test_host)


def engine_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def stamp(moment: datetime) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(moment)
    return value


async def refused(call: Awaitable[Any]) -> RichError:
    """The details of the error ``call`` fails with; fails when it succeeds."""
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    return rich_error(failure.value)


def moment(value: timestamp_pb2.Timestamp) -> datetime:
    return value.ToDatetime(tzinfo=UTC)


class Client:
    """The widget service's methods, called as one account."""

    def __init__(self, test_host: TestHost, account_id: str, roles: tuple[str, ...] = ()) -> None:
        self.stub = widgets_pb2_grpc.WidgetServiceStub(test_host.channel)
        self.metadata = test_host.caller(account_id, roles)
        self.account_id = account_id

    @classmethod
    def admin(cls, test_host: TestHost) -> Client:
        """A caller who may change every widget, whoever owns it."""
        return cls(test_host, ADMIN, (ADMIN_ROLE,))

    async def create(self, request_id: str = "", **fields: Any) -> Widget:
        return await self.create_widget(Widget(**fields), request_id)

    async def create_widget(self, widget: Widget, request_id: str = "") -> Widget:
        request = widgets_pb2.CreateWidgetRequest(widget=widget, request_id=request_id)
        created: Widget = await self.stub.CreateWidget(request, metadata=self.metadata, timeout=30)
        return created

    async def get(self, widget_id: str) -> Widget:
        request = widgets_pb2.GetWidgetRequest(id=widget_id)
        found: Widget = await self.stub.GetWidget(request, metadata=self.metadata, timeout=30)
        return found

    async def update(self, widget: Widget, *paths: str) -> Widget:
        request = widgets_pb2.UpdateWidgetRequest(
            widget=widget, update_mask=field_mask_pb2.FieldMask(paths=list(paths))
        )
        updated: Widget = await self.stub.UpdateWidget(request, metadata=self.metadata, timeout=30)
        return updated

    async def delete(self, widget_id: str, etag: str = "") -> Widget:
        request = widgets_pb2.DeleteWidgetRequest(id=widget_id, etag=etag)
        deleted: Widget = await self.stub.DeleteWidget(request, metadata=self.metadata, timeout=30)
        return deleted

    async def undelete(self, widget_id: str, etag: str = "") -> Widget:
        request = widgets_pb2.UndeleteWidgetRequest(id=widget_id, etag=etag)
        restored: Widget = await self.stub.UndeleteWidget(
            request, metadata=self.metadata, timeout=30
        )
        return restored

    async def page(self, **fields: Any) -> widgets_pb2.ListWidgetsResponse:
        request = widgets_pb2.ListWidgetsRequest(**fields)
        response: widgets_pb2.ListWidgetsResponse = await self.stub.ListWidgets(
            request, metadata=self.metadata, timeout=30
        )
        return response

    async def all(self, **fields: Any) -> list[Widget]:
        """Every widget the query selects, page after page."""
        found: list[Widget] = []
        token = ""
        while True:
            response = await self.page(page_token=token, **fields)
            found.extend(response.widgets)
            token = response.next_page_token
            if not token:
                return found
