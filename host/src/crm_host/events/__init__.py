"""Domain events: published in the business transaction, handled in process, watched.

A plugin declares the event types it publishes (hook
``register_event_types``), publishes them with
``events.publish(session, type, subject, message)`` inside the transaction
that makes the change (``events`` is a hook argument, like ``kit``), and
handles other plugins' events with hook ``register_event_handlers``. Clients
watch them with ``crm.events.v1.EventService/Watch`` (its generated modules:
``events_pb2``, ``events_pb2_grpc``). The kit publishes the
standard events of every resource it serves. docs/events.md is the reference.
"""

from crm_host._proto.crm.events.v1 import events_pb2, events_pb2_grpc
from crm_host.events.envelope import Event, source_of
from crm_host.events.outbox import PublishError
from crm_host.events.runtime import Events
from crm_host.events.types import DEFAULT_WATCH_ROLES, EventType, EventTypeError, secret_fields

__all__ = [
    "DEFAULT_WATCH_ROLES",
    "Event",
    "EventType",
    "EventTypeError",
    "Events",
    "PublishError",
    "events_pb2",
    "events_pb2_grpc",
    "secret_fields",
    "source_of",
]
