"""The size of every string and bytes field of a request, checked before any handler runs.

Handlers normalize and parse what they receive (NFKC, email syntax, filter
grammars); some of that work grows faster than its input, and NFKC can make
a string 18 times longer. So the host bounds every string, bytes and map
field of every request in bytes (UTF-8 for strings) before the handler sees
it: the host's ``max_field_bytes`` by default, or what the method declared
(``register(field_max_bytes=...)``).

The check is planned once per method from the request's descriptor and costs
nothing for requests no larger than their smallest bound, since no field can
be larger than the message that carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from crm_host.errors import FieldViolation, ServiceError

_TEXT = (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES)
# Recursive messages (google.protobuf.Struct, say) are followed this deep;
# deeper fields are still bounded by the message size limit.
MAX_DEPTH = 8


@dataclass(frozen=True)
class _Field:
    name: str
    path: str
    limit: int
    repeated: bool
    # For message fields: the plan of the message; for maps: of the value.
    nested: tuple[_Field, ...] | None = None
    # Maps: the bound of keys, and whether values are messages.
    map_key_limit: int | None = None
    map_of_messages: bool = False


@dataclass(frozen=True)
class FieldBounds:
    """The size checks of one method's request messages."""

    fields: tuple[_Field, ...]
    # No field can exceed this when the whole message is no larger.
    smallest: int
    domain: str

    @classmethod
    def plan(
        cls, request: Descriptor, default: int, declared: Mapping[str, int], domain: str
    ) -> FieldBounds:
        fields = _plan(request, "", default, declared, 0)
        limits = [limit for limit in _limits(fields)]
        return cls(fields, min(limits, default=2**62), domain)

    def check(self, raw_size: int, message: Any) -> None:
        """Raise INVALID_ARGUMENT naming every field larger than its bound."""
        if raw_size <= self.smallest:
            return
        found: dict[str, int] = {}
        _oversize(message, self.fields, found)
        if found:
            violations = [
                FieldViolation(path, f"must be at most {limit} bytes", "FIELD_TOO_LARGE")
                for path, limit in found.items()
            ]
            raise ServiceError(
                code=grpc.StatusCode.INVALID_ARGUMENT,
                message="invalid request: "
                + "; ".join(f"{v.field}: {v.description}" for v in violations),
                reason="VALIDATION_FAILED",
                domain=self.domain,
                field_violations=violations,
            )


def _limits(fields: tuple[_Field, ...]) -> list[int]:
    found = []
    for item in fields:
        if item.nested is None or item.map_key_limit is not None:
            found.append(item.limit)
        if item.map_key_limit is not None:
            found.append(item.map_key_limit)
        if item.nested:
            found += _limits(item.nested)
    return found


def _plan(
    message: Descriptor, prefix: str, default: int, declared: Mapping[str, int], depth: int
) -> tuple[_Field, ...]:
    if depth >= MAX_DEPTH:
        return ()
    planned = []
    for descriptor in message.fields:
        path = prefix + descriptor.name
        limit = declared.get(path, default)
        repeated = bool(descriptor.is_repeated)
        entry = descriptor.message_type
        if entry is not None and entry.GetOptions().map_entry:
            key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]
            key_limit = limit if key.type in _TEXT else 2**62
            if value.message_type is not None:
                nested = _plan(value.message_type, path + ".", default, declared, depth + 1)
                planned.append(_Field(descriptor.name, path, limit, False, nested, key_limit, True))
            elif value.type in _TEXT or key.type in _TEXT:
                value_limit = limit if value.type in _TEXT else 2**62
                planned.append(_Field(descriptor.name, path, value_limit, False, (), key_limit))
        elif entry is not None:
            nested = _plan(entry, path + ".", default, declared, depth + 1)
            if nested:
                planned.append(_Field(descriptor.name, path, limit, repeated, nested))
        elif descriptor.type in _TEXT:
            planned.append(_Field(descriptor.name, path, limit, repeated))
    return tuple(planned)


def _size(value: str | bytes, limit: int) -> bool:
    """Whether ``value`` fits in ``limit`` bytes, encoding only when it must."""
    if isinstance(value, bytes):
        return len(value) <= limit
    length = len(value)
    # A code point takes 1 to 4 bytes in UTF-8.
    if length > limit:
        return False
    if 4 * length <= limit:
        return True
    return len(value.encode("utf-8", "surrogatepass")) <= limit


def _oversize(message: Any, fields: tuple[_Field, ...], found: dict[str, int]) -> None:
    """Record in ``found`` each field path of ``message`` holding a value beyond its bound."""
    for item in fields:
        value = getattr(message, item.name)
        if item.map_key_limit is not None:
            for key, entry in value.items():
                if isinstance(key, str | bytes) and not _size(key, item.map_key_limit):
                    found[item.path] = item.map_key_limit
                if item.map_of_messages:
                    if item.nested:
                        _oversize(entry, item.nested, found)
                elif isinstance(entry, str | bytes) and not _size(entry, item.limit):
                    found[item.path] = item.limit
            continue
        for element in value if item.repeated else (value,):
            if item.nested is not None:
                _oversize(element, item.nested, found)
            elif not _size(element, item.limit):
                found[item.path] = item.limit
