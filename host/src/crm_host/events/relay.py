"""The NATS JetStream relay: every event, once committed, into a JetStream stream.

Enabled by ``events_url`` (``nats://127.0.0.1:4222``). The relay is an
in-process handler of every event type (crm_host.events.handlers), so it runs
on the leader only, in sequence order, and moves its cursor on only once
JetStream acknowledged the message: an event is relayed at least once, and
JetStream drops a repeat, since each message carries the event id as
``Nats-Msg-Id`` (within the stream's duplicate window). While NATS is down
the relay fails, backs off (at most ``RELAY_MAX_BACKOFF``) and tries again;
events wait in the outbox, nothing is dead-lettered, and the gRPC API (and
readiness) is not affected.

The stream (``events_stream``, subjects ``<events_subject_prefix>.>``) is
created when missing, and checked otherwise. An event of type
``<plugin>.<resource>.<verb>.v1`` goes to ``<prefix>.<plugin>.<resource>.<verb>``;
the message is the ``crm.events.v1.CloudEvent``, serialized.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from crm_host.events.envelope import Event

log = logging.getLogger("crm_host.events")

RELAY_HANDLER = "nats-relay"
RELAY_MAX_BACKOFF = 5.0
CONTENT_TYPE = "application/cloudevents+protobuf"
# How long one publish may wait for JetStream's acknowledgement.
ACK_TIMEOUT = 5.0


class RelayError(Exception):
    """The stream exists but cannot take the relay's subjects; ``str()`` says why."""


@dataclass(frozen=True)
class RelaySettings:
    url: str
    stream: str
    subject_prefix: str
    duplicate_window: float


def subject_of(prefix: str, event_type: str) -> str:
    """``crm.accounts.account.deleted`` for ``accounts.account.deleted.v1``."""
    return f"{prefix}.{event_type.rpartition('.')[0]}"


class JetStreamRelay:
    """Publishes events to JetStream; connects (and checks the stream) on first use."""

    def __init__(self, settings: RelaySettings) -> None:
        self.settings = settings
        self._connection: Any = None
        self._jetstream: Any = None

    async def _connected(self) -> Any:
        if self._jetstream is not None and self._connection.is_connected:
            return self._jetstream
        await self.close()
        import nats
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        connection = await nats.connect(
            self.settings.url,
            connect_timeout=2,
            allow_reconnect=False,
            name="crm-host events relay",
        )
        try:
            jetstream = connection.jetstream(timeout=ACK_TIMEOUT)
            wanted = f"{self.settings.subject_prefix}.>"
            try:
                info = await jetstream.stream_info(self.settings.stream)
            except NotFoundError:
                await jetstream.add_stream(
                    StreamConfig(
                        name=self.settings.stream,
                        subjects=[wanted],
                        duplicate_window=self.settings.duplicate_window,
                    )
                )
                log.info("created the JetStream stream %s (%s)", self.settings.stream, wanted)
            else:
                if wanted not in (info.config.subjects or []):
                    raise RelayError(
                        f"the JetStream stream {self.settings.stream} does not take {wanted}"
                    )
        except BaseException:
            await connection.close()
            raise
        self._connection, self._jetstream = connection, jetstream
        return jetstream

    async def handle(self, event: Event) -> None:
        jetstream = await self._connected()
        await jetstream.publish(
            subject_of(self.settings.subject_prefix, event.type),
            event.cloud_event().SerializeToString(),
            timeout=ACK_TIMEOUT,
            headers={"Nats-Msg-Id": event.id, "Content-Type": CONTENT_TYPE},
        )

    async def close(self) -> None:
        connection, self._connection, self._jetstream = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except Exception as exc:
                log.debug("closing the NATS connection failed: %s", type(exc).__name__)
