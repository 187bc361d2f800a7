"""References between resources, checked on write, with each on-delete policy applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest

from crm_host.testing import TestHost, rich_error, start_test_host, stop_test_host
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc
from testplugins.widgets import WidgetsPlugin

OWNER = "11111111-1111-4111-8111-111111111111"
MISSING = "99999999-9999-4999-8999-999999999999"


@pytest.fixture
async def stub(crm_database_url: str) -> AsyncIterator[tuple[Any, Any]]:
    test_host: TestHost = await start_test_host([(WidgetsPlugin(), "widgets")], crm_database_url)
    yield widgets_pb2_grpc.WidgetServiceStub(test_host.channel), test_host.caller(OWNER)
    await stop_test_host(test_host)


async def widget(stub: tuple[Any, Any], name: str) -> widgets_pb2.Widget:
    service, metadata = stub
    created: widgets_pb2.Widget = await service.CreateWidget(
        widgets_pb2.CreateWidgetRequest(widget=widgets_pb2.Widget(display_name=name)),
        metadata=metadata,
    )
    return created


async def part(
    stub: tuple[Any, Any], widget_id: str = "", spare_for_id: str = "", keeper_id: str = ""
) -> widgets_pb2.Part:
    service, metadata = stub
    new = widgets_pb2.Part(
        name="p", widget_id=widget_id, spare_for_id=spare_for_id, keeper_id=keeper_id
    )
    created: widgets_pb2.Part = await service.CreatePart(
        widgets_pb2.CreatePartRequest(part=new), metadata=metadata
    )
    return created


async def refused(call: Any) -> Any:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    return rich_error(failure.value)


async def test_a_missing_or_deleted_target_is_invalid_naming_the_field(
    stub: tuple[Any, Any],
) -> None:
    service, metadata = stub
    error = await refused(part(stub, widget_id=MISSING))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.violations == [("part.widget_id", "WIDGET_ID_NOT_FOUND")]
    error = await refused(part(stub, keeper_id="nonsense"))
    assert error.violations == [("part.keeper_id", "ID_INVALID")]
    gone = await widget(stub, "gone")
    await service.DeleteWidget(widgets_pb2.DeleteWidgetRequest(id=gone.id), metadata=metadata)
    error = await refused(part(stub, spare_for_id=gone.id))
    assert error.violations == [("part.spare_for_id", "SPARE_FOR_ID_NOT_FOUND")]
    # And on update too.
    kept = await part(stub)
    error = await refused(
        service.UpdatePart(
            widgets_pb2.UpdatePartRequest(part=widgets_pb2.Part(id=kept.id, widget_id=MISSING)),
            metadata=metadata,
        )
    )
    assert error.violations == [("part.widget_id", "WIDGET_ID_NOT_FOUND")]


async def test_restrict_names_the_referrers(stub: tuple[Any, Any]) -> None:
    service, metadata = stub
    kept = await widget(stub, "kept")
    keepers = [await part(stub, keeper_id=kept.id) for _ in range(2)]
    error = await refused(
        service.DeleteWidget(widgets_pb2.DeleteWidgetRequest(id=kept.id), metadata=metadata)
    )
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "REFERENCED")
    assert error.metadata == {"referrer": "crmtest.part", "field": "keeper_id"}
    assert sorted(field for field, _ in error.violations) == sorted(
        f"crmtest.part/{p.id}.keeper_id" for p in keepers
    )
    # Still there, untouched.
    found = await service.GetWidget(widgets_pb2.GetWidgetRequest(id=kept.id), metadata=metadata)
    assert not found.HasField("delete_time")


async def test_set_null_clears_and_cascade_deletes(stub: tuple[Any, Any]) -> None:
    service, metadata = stub
    target = await widget(stub, "target")
    spare = await part(stub, spare_for_id=target.id)
    child = await part(stub, widget_id=target.id)
    bystander = await part(stub)
    await service.DeleteWidget(widgets_pb2.DeleteWidgetRequest(id=target.id), metadata=metadata)
    cleared = await service.GetPart(widgets_pb2.GetPartRequest(id=spare.id), metadata=metadata)
    assert cleared.spare_for_id == ""
    # The clearing is a change like any: a new version.
    assert cleared.etag != spare.etag
    # Parts are deleted for good (no soft delete).
    error = await refused(
        service.GetPart(widgets_pb2.GetPartRequest(id=child.id), metadata=metadata)
    )
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "PART_NOT_FOUND")
    assert (
        await service.GetPart(widgets_pb2.GetPartRequest(id=bystander.id), metadata=metadata)
    ).name == "p"
