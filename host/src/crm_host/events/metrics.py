"""The events' metrics, read at scrape time: the feed's head, leadership, handlers' backlog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from crm_host.events.runtime import Events


class EventsCollector(Collector):
    """``crm_host_events_*``: what a dashboard needs to see the stream, and handlers lag."""

    def __init__(self, events: Events) -> None:
        self._events = events

    def collect(self) -> Iterator[Metric]:
        events = self._events
        head = events.feed.head
        yield GaugeMetricFamily(
            "crm_host_events_head",
            "The sequence of the newest event this host has read.",
            value=head,
        )
        leading = events.leadership.leading
        yield GaugeMetricFamily(
            "crm_host_events_leader",
            "1 on the host that numbers events and runs handlers (and the relay), else 0.",
            value=int(leading),
        )
        backlog = GaugeMetricFamily(
            "crm_host_events_handler_backlog",
            "Events numbered after a handler's cursor (the leader's view).",
            labels=["handler"],
        )
        lag = GaugeMetricFamily(
            "crm_host_events_handler_lag_seconds",
            "Age of the oldest event a handler has yet to handle; 0 when caught up.",
            labels=["handler"],
        )
        if leading:
            handlers = events.handlers
            now = datetime.now(UTC)
            for name, cursor in sorted(handlers.cursors.items()):
                backlog.add_metric([name], max(head - cursor, 0))
                since = handlers.waiting_since.get(name)
                lag.add_metric([name], 0.0 if since is None else (now - since).total_seconds())
        yield backlog
        yield lag
