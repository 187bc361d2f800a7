"""Bells: a plugin of its own event type and an in-process handler, for the events tests.

Its type ``bells.bell.rung.v1`` (carrying a widget message) may be watched by
holders of ``admin`` or ``bells.listener``; its handler ``bells.recorder`` records every event
its patterns match, failing on the subjects it is told to, as often as told.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from crm_host import hookimpl
from crm_host.events import Event
from crm_host.hookspecs import RegisterEventHandler, RegisterEventType
from testplugins._proto.crmtest.v1 import widgets_pb2

RUNG = "bells.bell.rung.v1"
LISTENER_ROLE = "bells.listener"


class BellsPlugin:
    def __init__(self, patterns: Sequence[str] = ("*",)) -> None:
        self.patterns = list(patterns)
        self.handled: list[Event] = []
        # Subject -> failures still to come (-1: always).
        self.failing: dict[str, int] = {}
        self.calls = 0
        self.changed = asyncio.Event()

    @hookimpl
    def register_event_types(self, register: RegisterEventType) -> None:
        register(
            RUNG, widgets_pb2.Widget, watch=["admin", LISTENER_ROLE], description="a bell rang"
        )

    @hookimpl
    def register_event_handlers(self, register: RegisterEventHandler) -> None:
        register("recorder", self.patterns, self.record)

    async def record(self, event: Event) -> None:
        self.calls += 1
        self.changed.set()
        left = self.failing.get(event.subject, 0)
        if left:
            self.failing[event.subject] = left - 1 if left > 0 else left
            raise RuntimeError(f"told to fail on {event.subject}")
        self.handled.append(event)
