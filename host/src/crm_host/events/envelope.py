"""An event as plugins and clients see it: CloudEvents 1.0 attributes and a protobuf message."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message

from crm_host._proto.crm.events.v1 import events_pb2

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"
TYPE_URL_PREFIX = "type.googleapis.com/"

M = TypeVar("M", bound=Message)


def source_of(plugin: str) -> str:
    """The CloudEvents ``source`` of a plugin's events."""
    return f"//crm-host/{plugin}"


@dataclass(frozen=True)
class Event:
    """One published event.

    ``sequence`` is its place in the global order; ``id`` (a UUID) is unique,
    so a consumer that may see an event twice drops the ids it has handled.
    ``data`` is the serialized ``data_type`` message: :meth:`message` parses it.
    """

    sequence: int
    id: str
    type: str
    source: str
    subject: str
    time: datetime
    data: bytes
    data_type: str
    # CloudEvents extension attributes (``updatemask`` on kit updates).
    extensions: Mapping[str, str] = field(default_factory=dict)

    @property
    def plugin(self) -> str:
        return self.type.partition(".")[0]

    def message(self, message_class: builtins.type[M]) -> M:
        """The data as ``message_class``; ValueError when it is another type."""
        found: Any = message_class
        name = found.DESCRIPTOR.full_name
        if name != self.data_type:
            raise ValueError(f"the event carries {self.data_type}, not {name}")
        parsed: M = found.FromString(self.data)
        return parsed

    def cloud_event(self) -> Any:
        """The event as a ``crm.events.v1.CloudEvent`` (the CloudEvents protobuf format)."""
        value = events_pb2.CloudEvent.CloudEventAttributeValue
        time = timestamp_pb2.Timestamp()
        time.FromDatetime(self.time)
        attributes = {
            "subject": value(ce_string=self.subject),
            "time": value(ce_timestamp=time),
            "datacontenttype": value(ce_string=CONTENT_TYPE),
            "dataschema": value(ce_uri=TYPE_URL_PREFIX + self.data_type),
            "sequence": value(ce_string=str(self.sequence)),
        }
        for name, text in self.extensions.items():
            attributes[name] = value(ce_string=text)
        return events_pb2.CloudEvent(
            id=self.id,
            source=self.source,
            spec_version=SPEC_VERSION,
            type=self.type,
            attributes=attributes,
            proto_data=any_pb2.Any(type_url=TYPE_URL_PREFIX + self.data_type, value=self.data),
        )


__all__ = ["Event", "source_of"]
