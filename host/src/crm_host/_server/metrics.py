"""Prometheus metrics for the host, named as go-grpc-prometheus names them.

Keeping go-grpc-prometheus's names, labels and buckets lets the Grafana
dashboards written for Go gRPC servers work unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from wsgiref.simple_server import WSGIServer

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# go-grpc-prometheus uses prometheus.DefBuckets for grpc_server_handling_seconds.
HANDLING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

UNARY = "unary"
CLIENT_STREAM = "client_stream"
SERVER_STREAM = "server_stream"
BIDI_STREAM = "bidi_stream"

_LABELS = ("grpc_type", "grpc_service", "grpc_method")


def grpc_type(request_streaming: bool, response_streaming: bool) -> str:
    if request_streaming:
        return BIDI_STREAM if response_streaming else CLIENT_STREAM
    return SERVER_STREAM if response_streaming else UNARY


def split_method(method: str) -> tuple[str, str]:
    """``/pkg.Service/Method`` as (``pkg.Service``, ``Method``)."""
    service, _, name = method.lstrip("/").rpartition("/")
    return service, name


@dataclass(frozen=True)
class CallLabels:
    """The labels every metric of one method shares."""

    type: str
    service: str
    method: str

    @classmethod
    def of(cls, method: str, request_streaming: bool, response_streaming: bool) -> CallLabels:
        service, name = split_method(method)
        return cls(grpc_type(request_streaming, response_streaming), service, name)


class Metrics:
    """The host's metrics, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.started = Counter(
            "grpc_server_started",
            "Total number of RPCs started on the server.",
            _LABELS,
            registry=registry,
        )
        self.handled = Counter(
            "grpc_server_handled",
            "Total number of RPCs completed on the server, regardless of success or failure.",
            (*_LABELS, "grpc_code"),
            registry=registry,
        )
        self.handling_seconds = Histogram(
            "grpc_server_handling_seconds",
            "Histogram of response latency (seconds) of gRPC that had been application-level "
            "handled by the server.",
            _LABELS,
            buckets=HANDLING_BUCKETS,
            registry=registry,
        )
        self.msg_received = Counter(
            "grpc_server_msg_received",
            "Total number of RPC stream messages received on the server.",
            _LABELS,
            registry=registry,
        )
        self.msg_sent = Counter(
            "grpc_server_msg_sent",
            "Total number of gRPC stream messages sent by the server.",
            _LABELS,
            registry=registry,
        )
        self.plugins_loaded = Gauge(
            "crm_host_plugins_loaded", "Number of plugins the host loaded.", registry=registry
        )

    def for_method(
        self, method: str, request_streaming: bool, response_streaming: bool
    ) -> MethodMetrics:
        """The series of one method, looked up once instead of on every call."""
        return MethodMetrics(self, CallLabels.of(method, request_streaming, response_streaming))

    def watch_pool(self, engine: PooledEngine) -> None:
        """Report ``engine``'s connection pool at every scrape."""
        self.registry.register(PoolCollector(engine))


class MethodMetrics:
    """One method's children of the host's metrics.

    prometheus_client finds a child by its label values under a lock; a call
    updates four to five series, so they are found once per method.
    """

    def __init__(self, metrics: Metrics, labels: CallLabels) -> None:
        values = (labels.type, labels.service, labels.method)
        self._values = values
        self._handled_family = metrics.handled
        self._handled: dict[grpc.StatusCode, Any] = {}
        self._started = metrics.started.labels(*values)
        self._handling_seconds = metrics.handling_seconds.labels(*values)
        self._received = metrics.msg_received.labels(*values)
        self._sent = metrics.msg_sent.labels(*values)

    def call_started(self) -> None:
        self._started.inc()

    def call_handled(self, code: grpc.StatusCode, seconds: float) -> None:
        handled = self._handled.get(code)
        if handled is None:
            handled = self._handled[code] = self._handled_family.labels(*self._values, code.name)
        handled.inc()
        self._handling_seconds.observe(seconds)

    def message_received(self) -> None:
        self._received.inc()

    def message_sent(self) -> None:
        self._sent.inc()


class PooledEngine(Protocol):
    @property
    def pool(self) -> object: ...


class PoolCollector(Collector):
    """``crm_host_db_pool_checked_out`` and ``crm_host_db_pool_size``, read at scrape time.

    Pools without a fixed size (NullPool, SQLite's in-memory pools) report nothing.
    """

    def __init__(self, engine: PooledEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        # Read each time: engine.dispose() replaces the pool object.
        pool = self._engine.pool
        checkedout = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        if not callable(checkedout) or not callable(size):
            return
        yield GaugeMetricFamily(
            "crm_host_db_pool_checked_out",
            "Database connections currently checked out of the pool.",
            value=checkedout(),
        )
        yield GaugeMetricFamily(
            "crm_host_db_pool_size", "Configured size of the database pool.", value=size()
        )


def parse_address(address: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``:port`` (all interfaces) as (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"metrics address {address!r} is not host:port")
    host = host.removeprefix("[").removesuffix("]")
    return host or "0.0.0.0", int(port)  # noqa: S104 - ":port" means every interface


def serve(address: str, registry: CollectorRegistry) -> tuple[WSGIServer, int]:
    """Serve ``registry`` at ``http://address/metrics`` from a daemon thread; return the port.

    Port 0 picks a free port. Stop it with :func:`stop` (it blocks, so from a
    coroutine run it with ``asyncio.to_thread``).
    """
    host, port = parse_address(address)
    server, _thread = start_http_server(port, host, registry=registry)
    return server, int(server.server_port)


def stop(server: WSGIServer) -> None:
    """Stop a server :func:`serve` started and close its socket."""
    # shutdown() waits for serve_forever's loop, which ends within its 0.5 s poll.
    server.shutdown()
    server.server_close()


__all__ = [
    "BIDI_STREAM",
    "CLIENT_STREAM",
    "HANDLING_BUCKETS",
    "SERVER_STREAM",
    "UNARY",
    "CallLabels",
    "Metrics",
    "PoolCollector",
    "grpc_type",
    "parse_address",
    "serve",
    "split_method",
    "stop",
]
