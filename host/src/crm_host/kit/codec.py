"""A resource message to and from its table's columns, field by field.

Each field of the message is stored in the model's column of the same name:
scalars as they are, enums by their value's name, ``google.protobuf.Timestamp``
as an aware UTC datetime, and everything else (other messages, repeated
fields, maps) as JSON in protobuf's JSON form. ``etag`` is made from the
``version`` column. The conversions are planned once per resource, since a
read converts every row it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TIMESTAMP = "google.protobuf.Timestamp"
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, as seconds since the epoch.
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """An aware datetime as a Timestamp, without Timestamp.FromDatetime's time tuple."""
    seconds, micros = divmod((value - _EPOCH) // _MICROSECOND, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=micros * 1000)


def valid_timestamp(value: timestamp_pb2.Timestamp) -> bool:
    """Whether ``value`` is a time a datetime holds: years 1 to 9999, nanos in range."""
    return _MIN_SECONDS <= value.seconds <= _MAX_SECONDS and 0 <= value.nanos <= 999_999_999


def from_timestamp(value: timestamp_pb2.Timestamp) -> datetime:
    return _EPOCH + timedelta(seconds=value.seconds, microseconds=value.nanos // 1000)


def etag_of(version: int) -> str:
    """RFC 7232's quoted form, as AIP-154 asks; opaque to clients."""
    return f'"{version}"'


def is_composite(field: FieldDescriptor) -> bool:
    """Stored as JSON: a repeated field, a map, or a message other than a Timestamp."""
    if field.is_repeated:
        return True
    message = field.message_type
    return message is not None and message.full_name != _TIMESTAMP


# Scalar types whose protobuf JSON form is the value the message constructor takes.
_PLAIN_TYPES = frozenset(
    {
        FieldDescriptor.TYPE_STRING,
        FieldDescriptor.TYPE_BOOL,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_FIXED32,
    }
)


def _plain(field: FieldDescriptor, depth: int = 0) -> bool:
    """Whether the field's JSON form is what the message constructor takes as it is.

    True for strings, bools and 32-bit integers, lists and maps of them, and
    messages (lists, maps) of only such fields: not for enums (names), 64-bit
    integers (strings), bytes (base64), floats ("NaN") or well-known types.
    """
    message = field.message_type
    if message is None:
        return field.type in _PLAIN_TYPES
    if depth > 8 or message.full_name.startswith("google.protobuf."):
        return False
    return all(_plain(sub, depth + 1) for sub in message.fields)


def is_timestamp(field: FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.full_name == _TIMESTAMP and not field.is_repeated


@dataclass(frozen=True)
class _Plan:
    name: str
    kind: str  # "scalar" | "enum" | "timestamp" | "json" | "etag" | "custom"
    enum_numbers: Mapping[str, int] | None = None
    enum_names: Mapping[int, str] | None = None
    encode: Callable[[Any], Any] | None = None
    decode: Callable[[Any], Any] | None = None


class Codec:
    """Converts one resource's messages to column values and rows back to messages."""

    def __init__(
        self,
        message: type[Message],
        columns: Iterable[str],
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message
        descriptor: Any = message.DESCRIPTOR
        available = set(columns)
        self.descriptor = descriptor
        plans = []
        for field in descriptor.fields:
            name = field.name
            if name == "etag":
                plans.append(_Plan(name, "etag"))
                continue
            if name not in available:
                continue
            spec = (fields or {}).get(name)
            if spec is not None and (spec.encode is not None or spec.decode is not None):
                plans.append(_Plan(name, "custom", encode=spec.encode, decode=spec.decode))
            elif is_composite(field):
                plans.append(_Plan(name, "json"))
            elif is_timestamp(field):
                plans.append(_Plan(name, "timestamp"))
            elif field.enum_type is not None:
                values = field.enum_type.values
                plans.append(
                    _Plan(
                        name,
                        "enum",
                        enum_numbers={v.name: v.number for v in values},
                        enum_names={v.number: v.name for v in values},
                    )
                )
            else:
                plans.append(_Plan(name, "scalar"))
        self._plans = tuple(plans)
        # The columns a read needs, in message order.
        self.columns = tuple(
            "version" if plan.kind == "etag" else plan.name for plan in self._plans
        )
        self._to_message = self._reader()

    def _reader(self) -> Callable[[Any], Message]:
        scalars = [p.name for p in self._plans if p.kind == "scalar"]
        enums = [(p.name, p.enum_numbers) for p in self._plans if p.kind == "enum"]
        stamps = [p.name for p in self._plans if p.kind == "timestamp"]
        composites = [p.name for p in self._plans if p.kind == "json"]
        # Composites whose stored JSON the constructor takes: json_format.ParseDict,
        # pure Python, costs more than the rest of a read together.
        by_fields = self.descriptor.fields_by_name
        plain = [name for name in composites if _plain(by_fields[name])]
        parsed = [name for name in composites if name not in plain]
        customs = [(p.name, p.decode) for p in self._plans if p.kind == "custom"]
        has_etag = any(p.kind == "etag" for p in self._plans)
        message_type = self.message

        def read(row: Any) -> Message:
            values: dict[str, Any] = {}
            for name in scalars:
                value = getattr(row, name)
                if value is not None:
                    values[name] = value
            for name, numbers in enums:
                value = getattr(row, name)
                if value:
                    assert numbers is not None
                    values[name] = numbers.get(value, 0)
            for name in stamps:
                value = getattr(row, name)
                if value is not None:
                    values[name] = timestamp(value)
            if has_etag:
                values["etag"] = etag_of(row.version)
            for name, decode in customs:
                value = getattr(row, name)
                values[name] = decode(value) if decode is not None else value
            late = {name: value for name in parsed if (value := getattr(row, name))}
            for name in plain:
                if value := getattr(row, name):
                    values[name] = value
            try:
                message = message_type(**values)
            except (ValueError, TypeError):
                # A field the message no longer has, say: ParseDict skips it.
                message = message_type(**{k: v for k, v in values.items() if k not in plain})
                late |= {name: values[name] for name in plain if name in values}
            if late:
                json_format.ParseDict(late, message, ignore_unknown_fields=True)
            return message

        return read

    def to_message(self, row: Any) -> Message:
        """The message of a row (a mapped object, or a row of :attr:`columns`)."""
        return self._to_message(row)

    def to_columns(self, message: Message, names: Iterable[str] | None = None) -> dict[str, Any]:
        """Column values of ``message``'s fields (all stored ones, or only ``names``)."""
        wanted = None if names is None else set(names)
        values: dict[str, Any] = {}
        for plan in self._plans:
            if plan.kind == "etag" or (wanted is not None and plan.name not in wanted):
                continue
            value = getattr(message, plan.name)
            if plan.kind == "scalar":
                values[plan.name] = value
            elif plan.kind == "enum":
                assert plan.enum_names is not None
                values[plan.name] = plan.enum_names.get(value, "") if value else ""
            elif plan.kind == "custom":
                values[plan.name] = plan.encode(value) if plan.encode is not None else value
            elif plan.kind == "timestamp":
                values[plan.name] = from_timestamp(value) if message.HasField(plan.name) else None
            else:
                values[plan.name] = _json_value(message, plan.name)
        return values


def _json_value(message: Message, name: str) -> Any:
    """The field in protobuf's JSON form (names as in the .proto), or None when empty."""
    field = message.DESCRIPTOR.fields_by_name[name]
    value = getattr(message, name)
    if field.is_repeated:
        if not len(value):
            return None
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            holder = type(message)()
            getattr(holder, name).MergeFrom(value)
            return json_format.MessageToDict(holder, preserving_proto_field_name=True).get(name)
        if entry is not None:
            return [
                json_format.MessageToDict(item, preserving_proto_field_name=True) for item in value
            ]
        return list(value)
    if not message.HasField(name):
        return None
    # An empty message reads back as unset: stored alike, so that setting one is no change.
    return json_format.MessageToDict(value, preserving_proto_field_name=True) or None
