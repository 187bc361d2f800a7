"""``update_mask`` (AIP-134, AIP-161): which fields an Update changes.

- ``*`` replaces every field the client may write;
- a path names a field, ``.`` reaching into message fields
  (``address.locality``); a message, repeated or map field named whole is
  replaced whole;
- an empty mask means the fields the request sets (non-empty values, set
  messages, non-empty lists and maps), so a client can send only what
  changes;
- output-only fields are ignored wherever they appear; a path that names no
  field is INVALID_ARGUMENT naming it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from crm_host.errors import shown

MAX_PATHS = 100


class MaskError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Change:
    """The resource after the update, and the top-level fields whose value it sets."""

    message: Message
    fields: frozenset[str]
    paths: tuple[str, ...]


def _resolve(descriptor: Any, path: str) -> str:
    """The top-level field of ``path``, or MaskError when it names no field."""
    parts = path.split(".")
    current: Any = descriptor
    for number, part in enumerate(parts):
        field = current.fields_by_name.get(part) if current is not None else None
        if field is None:
            raise MaskError(f"{shown(path)} names no field of {descriptor.name}")
        if number < len(parts) - 1 and (field.message_type is None or field.is_repeated):
            raise MaskError(
                f"{shown(path)} reaches into {field.name}, which is not a single message"
            )
        current = field.message_type
    return parts[0]


def _set_fields(message: Message) -> list[str]:
    """The fields of ``message`` a client set: proto3 has no presence for scalars."""
    return [field.name for field, _ in message.ListFields()]


def _with_parents(request: Message, paths: list[str]) -> Message:
    """``request`` with the messages that nested paths reach into set.

    FieldMask.MergeMessage skips a nested path whose message the source
    leaves unset; AIP-161 clears it: ``spec.material`` with no ``spec`` in
    the request means an empty material. Paths under a whole-field path are
    left alone: the whole field is replaced as the request has it.
    """
    source = type(request)()
    source.CopyFrom(request)
    for path in paths:
        parts = path.split(".")
        if len(parts) == 1 or any(path.startswith(other + ".") for other in paths):
            continue
        parent: Any = source
        for part in parts[:-1]:
            parent = getattr(parent, part)
        parent.SetInParent()
    return source


def apply(
    current: Message,
    request: Message,
    mask: field_mask_pb2.FieldMask,
    output_only: Collection[str],
) -> Change:
    """``current`` with the masked fields of ``request``; MaskError for a bad mask."""
    descriptor = current.DESCRIPTOR
    paths = list(mask.paths)
    if len(paths) > MAX_PATHS:
        raise MaskError(f"at most {MAX_PATHS} paths")
    if "*" in paths:
        if paths != ["*"]:
            raise MaskError("* replaces every field and cannot be combined with other paths")
        paths = [f.name for f in descriptor.fields if f.name not in output_only]
    elif not paths:
        paths = [name for name in _set_fields(request) if name not in output_only]
    kept = []
    for path in paths:
        top = _resolve(descriptor, path)
        if top not in output_only:
            kept.append(path)
    result = type(current)()
    result.CopyFrom(current)
    if kept:
        field_mask_pb2.FieldMask(paths=kept).MergeMessage(
            _with_parents(request, kept),
            result,
            replace_message_field=True,
            replace_repeated_field=True,
        )
    tops = frozenset(path.split(".")[0] for path in kept)
    return Change(result, tops, tuple(sorted(set(kept))))
