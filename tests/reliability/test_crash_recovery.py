"""The host process killed or stopped in the middle of a burst of creates.

Each test runs `crm-host serve` with the notes test plugin, fires many
concurrent CreateNote calls, signals the process once some are acknowledged,
starts a new host on the same database, and checks that every acknowledged
note is there: an OK answer means the row was committed.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter
from collections.abc import Callable

import grpc
import grpc.aio
import pytest

from crm_host.testing import HostProcess
from reliability.load import Burst, survivors
from support.notes import Notes, add_author

# The interceptor's line for each call the host started, with its code.
STARTED_CALL = re.compile(r"rpc /crmtest\.v1\.NotesService/CreateNote (\w+) ")

BURST = 90  # below max_concurrent_streams (100): every call is on the wire at once
SIGNAL_AFTER = 15  # acknowledgements before the signal
GRACE = 30  # seconds; far more than the burst needs


def start(serve_notes: Callable[..., HostProcess], url: str, *args: str) -> HostProcess:
    # --migrate: PostgreSQL schemas are only created on request.
    return serve_notes("--database-url", url, "--migrate", *args)


def test_sigkill_mid_burst_loses_no_acknowledged_note(
    crm_database_url: str, serve_notes: Callable[..., HostProcess]
) -> None:
    host = start(serve_notes, crm_database_url)
    writer = add_author(crm_database_url, "writer")

    async def burst_then_kill() -> Burst:
        burst = Burst()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            calls = burst.launch(Notes(channel, writer), "k", BURST)
            await burst.wait_for_acks(SIGNAL_AFTER)
            host.process.kill()
            await calls
        return burst

    burst = asyncio.run(burst_then_kill())
    assert host.process.wait() == -signal.SIGKILL
    restarted = start(serve_notes, crm_database_url)
    found = asyncio.run(
        survivors(restarted.port or 0, crm_database_url, burst.acknowledged, writer)
    )
    print(
        f"\nRELIABILITY sigkill: acknowledged={len(burst.acknowledged)} "
        f"failed={dict(burst.failed)} present={found.present} "
        f"unacknowledged-but-stored={found.unacknowledged}"
    )
    assert found.missing == []
    # A killed server resets its connections: the client sees UNAVAILABLE.
    assert set(burst.failed) <= {grpc.StatusCode.UNAVAILABLE}, burst.failed
    assert len(burst.acknowledged) >= SIGNAL_AFTER
    assert restarted.terminate() == 0


# With a drain delay the host keeps taking calls for that long after SIGTERM,
# so the calls grpc had queued are served instead of cancelled.
@pytest.mark.parametrize("drain_delay", ["0", "1"])
def test_sigterm_mid_burst_finishes_started_calls_refuses_new_ones_and_exits_zero(
    crm_database_url: str, serve_notes: Callable[..., HostProcess], drain_delay: str
) -> None:
    """What a client sees when the host stops mid-burst, and why each code is right.

    - A call whose handler had started when SIGTERM came completes OK: the host
      logs every call it started, and each of those logged OK.
    - A call grpc had received but not yet handed to the application when the
      server stopped is cancelled by grpc itself (CANCELLED, as in
      tests/test_server.py); it never ran, so no note may exist for it.
    - A call made after shutdown began is refused with UNAVAILABLE; a few
      right after the signal may still be served (OK) or caught in the race
      above (CANCELLED), but once one is refused, none is served again.
    """
    host = start(serve_notes, crm_database_url, "--grace", str(GRACE), "--drain-delay", drain_delay)
    writer = add_author(crm_database_url, "writer")

    async def burst_then_terminate() -> tuple[Burst, Burst, list[grpc.StatusCode], float]:
        burst, late = Burst(), Burst()
        late_codes: list[grpc.StatusCode] = []
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            client = Notes(channel, writer)
            calls = burst.launch(client, "t", BURST)
            await burst.wait_for_acks(SIGNAL_AFTER)
            signalled = time.monotonic()
            host.process.send_signal(signal.SIGTERM)
            # Bounded: a host that never exits must fail the test, not hang it.
            give_up = signalled + float(drain_delay) + GRACE + 10
            while host.process.poll() is None and time.monotonic() < give_up:
                late_codes.append(await late.create(client, f"late{len(late_codes)}"))
                await asyncio.sleep(0.01)
            await calls
        return burst, late, late_codes, signalled

    burst, late, late_codes, signalled = asyncio.run(burst_then_terminate())
    assert host.wait() == 0
    started = Counter(STARTED_CALL.findall(host.output))
    finished_after_signal = sum(t > signalled for t in burst.acknowledged_at)
    restarted = start(serve_notes, crm_database_url)
    acknowledged = burst.acknowledged | late.acknowledged
    found = asyncio.run(survivors(restarted.port or 0, crm_database_url, acknowledged, writer))
    print(
        f"\nRELIABILITY sigterm[drain {drain_delay}s]: burst acked={len(burst.acknowledged)} "
        f"(finished after SIGTERM: {finished_after_signal}) failed={dict(burst.failed)} "
        f"late={dict(Counter(c.name for c in late_codes))} started-by-host={dict(started)} "
        f"present={found.present} unacknowledged-but-stored={found.unacknowledged}"
    )
    assert set(started) == {"OK"}, started
    assert started["OK"] == len(acknowledged)
    assert set(burst.failed) <= {grpc.StatusCode.CANCELLED}, burst.failed
    assert found.missing == []
    assert found.unacknowledged == 0
    refused = [c for c in late_codes if c != grpc.StatusCode.OK]
    assert late_codes[len(late_codes) - len(refused) :] == refused, "served after a refusal"
    assert set(refused) <= {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}
    assert refused[-1] == grpc.StatusCode.UNAVAILABLE
    assert restarted.terminate() == 0
