"""Widgets and parts: resources served entirely by the kit, for the kit's own tests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_host import AUTHENTICATED, FieldViolation, hookimpl, kit
from crm_host.hookspecs import RegisterRole, RegisterSchema, RegisterService
from testplugins._proto.crmtest.v1 import widgets_pb2, widgets_pb2_grpc

MIGRATIONS = Path(__file__).parent / "widgets_migrations"
ADMIN_ROLE = "widgets.admin"
LIVE = text("delete_time IS NULL")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=kit.NAMING_CONVENTION)


class WidgetRow(Base):
    __tablename__ = "crmtest_widgets"
    __table_args__ = (
        # Keyset pagination walks (sort column, id).
        Index("ix_crmtest_widgets_name_folded_id", "name_folded", "id"),
        Index("ix_crmtest_widgets_size_id", "size", "id"),
        Index("ix_crmtest_widgets_create_time_id", "create_time", "id"),
        Index(
            "uq_crmtest_widgets_code_live",
            "code",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    color: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean)
    tags: Mapped[Any] = mapped_column(JSON, nullable=True)
    labels: Mapped[Any] = mapped_column(JSON, nullable=True)
    spec: Mapped[Any] = mapped_column(JSON, nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    due_time: Mapped[Any] = mapped_column(kit.UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    create_time: Mapped[Any] = mapped_column(kit.UTCDateTime)
    update_time: Mapped[Any] = mapped_column(kit.UTCDateTime)
    delete_time: Mapped[Any] = mapped_column(kit.UTCDateTime, nullable=True)
    expire_time: Mapped[Any] = mapped_column(kit.UTCDateTime, nullable=True)


class PartRow(Base):
    __tablename__ = "crmtest_parts"
    __table_args__ = (Index("ix_crmtest_parts_create_time_id", "create_time", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    widget_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("crmtest_widgets.id"), nullable=True, index=True
    )
    spare_for_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    keeper_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    create_time: Mapped[Any] = mapped_column(kit.UTCDateTime)
    update_time: Mapped[Any] = mapped_column(kit.UTCDateTime)


def _normalize_widget(message: Message, violations: list[FieldViolation]) -> None:
    widget: Any = message
    widget.display_name = widget.display_name.strip()
    widget.code = widget.code.strip().upper()


def _derive_widget(message: Message) -> dict[str, Any]:
    widget: Any = message
    return {"name_folded": widget.display_name.casefold()}


WIDGET = kit.Resource(
    name="crmtest.widget",
    message=widgets_pb2.Widget,
    model=WidgetRow,
    fields={
        "display_name": kit.Field(
            required=True,
            max_length=200,
            filter=True,
            filter_column=WidgetRow.name_folded,
            fold=str.casefold,
            sort=True,
            sort_column=WidgetRow.name_folded,
        ),
        "code": kit.Field(immutable=True, max_length=50, filter=True),
        "color": kit.Field(filter=True),
        "size": kit.Field(filter=True, sort=True),
        "price": kit.Field(filter=True),
        "active": kit.Field(filter=True),
        "tags": kit.Field(max_length=50, max_items=20),
        "labels": kit.Field(max_length=100, max_items=20, filter=True),
        "owner_id": kit.Field(filter=True, default_caller=True),
        "due_time": kit.Field(filter=True),
    },
    unique=[kit.Unique("code")],
    soft_delete=kit.SoftDelete(retention=timedelta(days=30)),
    access=kit.Access(write_rule=kit.owner() | kit.has_role(ADMIN_ROLE)),
    normalize=_normalize_widget,
    derive=_derive_widget,
)

PART = kit.Resource(
    name="crmtest.part",
    message=widgets_pb2.Part,
    model=PartRow,
    fields={"name": kit.Field(required=True, max_length=100, filter=True, sort=True)},
    references=[
        kit.Reference("widget_id", "crmtest.widget", on_delete=kit.OnDelete.CASCADE),
        kit.Reference("spare_for_id", "crmtest.widget", on_delete=kit.OnDelete.SET_NULL),
        kit.Reference("keeper_id", "crmtest.widget", on_delete=kit.OnDelete.RESTRICT),
    ],
    access=kit.Access(read=AUTHENTICATED),
)


class WidgetServicer(widgets_pb2_grpc.WidgetServiceServicer):  # type: ignore[misc]
    """Every method is the kit's."""


class WidgetsPlugin:
    @hookimpl
    def register_schema(self, register: RegisterSchema) -> None:
        register(metadata=Base.metadata, migrations=MIGRATIONS)

    @hookimpl
    def register_roles(self, register: RegisterRole) -> None:
        register(ADMIN_ROLE, "changes every widget")

    @hookimpl
    def register_services(self, register: RegisterService, kit: kit.Kit) -> None:
        kit.serve(
            register,
            WidgetServicer(),
            widgets_pb2.DESCRIPTOR.services_by_name["WidgetService"],
            widgets_pb2_grpc.add_WidgetServiceServicer_to_server,
            resources=[WIDGET, PART],
        )
