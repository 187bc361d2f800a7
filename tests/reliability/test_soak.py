"""A 10,000-call mixed soak against one `crm-host serve` on SQLite.

Every call is one of a fixed set of requests to the notes test plugin, each
with the one status code it must get: good reads and writes, retries, and bad
requests (unknown ids, malformed ids, empty fields, a reused request id,
missing and unknown credentials, a missing role). Any other code fails the
test. The server's resident memory after warm-up and at the end must stay
within 10%: a leak per call would show over thousands of calls.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from crm_host.testing import HostProcess, code_of
from support.notes import Notes, add_author

CALLS = 10_000
WARM_UP = 2_000
CLIENTS = 8
RSS_GROWTH_LIMIT = 0.10
VM_RSS = re.compile(r"^VmRSS:\s+(\d+) kB$", re.MULTILINE)


def rss_kib(pid: int) -> int:
    match = VM_RSS.search(Path(f"/proc/{pid}/status").read_text())
    assert match is not None
    return int(match.group(1))


@dataclass(frozen=True)
class Kind:
    """One kind of request in the mix and the code it must get."""

    name: str
    expected: grpc.StatusCode
    call: Callable[[int], Awaitable[Any]]


def mix(
    writer: Notes, reader: Notes, anonymous: Notes, stranger: Notes, known: str, retried: str
) -> list[Kind]:
    code = grpc.StatusCode
    timeout = 10

    def create(client: Notes, text: str, request_id: str = "") -> Any:
        return client.create_call(text, request_id or str(uuid.uuid4()), timeout=timeout)

    def get(client: Notes, note_id: str) -> Any:
        return client.get_call(note_id, timeout=timeout)

    return [
        Kind("GetNote", code.OK, lambda _: get(writer, known)),
        Kind("GetNote as reader", code.OK, lambda _: get(reader, known)),
        Kind("GetNote unknown id", code.NOT_FOUND, lambda _: get(reader, str(uuid.uuid4()))),
        Kind("GetNote malformed id", code.INVALID_ARGUMENT, lambda _: get(reader, "nope")),
        Kind("GetNote no token", code.UNAUTHENTICATED, lambda _: get(anonymous, known)),
        Kind("GetNote unknown token", code.UNAUTHENTICATED, lambda _: get(stranger, known)),
        Kind("CreateNote", code.OK, lambda i: create(writer, f"soak {i}")),
        Kind("CreateNote retried", code.OK, lambda _: create(writer, "retried", retried)),
        Kind("CreateNote reused id", code.INVALID_ARGUMENT, lambda _: create(writer, "x", retried)),
        Kind("CreateNote empty", code.INVALID_ARGUMENT, lambda _: create(writer, "")),
        Kind("CreateNote no token", code.UNAUTHENTICATED, lambda i: create(anonymous, f"{i}")),
        Kind("CreateNote not writer", code.PERMISSION_DENIED, lambda i: create(reader, f"{i}")),
    ]


@dataclass
class Soak:
    codes: Counter[tuple[str, str]]
    unexpected: list[str]
    rss_after_warm_up: int = 0


async def soak(host: HostProcess, writer_token: str, reader_token: str) -> Soak:
    outcome = Soak(Counter(), [])
    pid = host.process.pid
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        writer, reader = Notes(channel, writer_token), Notes(channel, reader_token)
        anonymous, stranger = Notes(channel), Notes(channel, "nobody-has-this-token")
        known = await writer.create("known")
        # The note retries return, and whose request_id a different note may not reuse.
        retried = str(uuid.uuid4())
        await writer.create("retried", retried)
        kinds = mix(writer, reader, anonymous, stranger, known.id, retried)
        numbers = iter(range(CALLS))

        async def client() -> None:
            for i in numbers:
                if i == WARM_UP:
                    outcome.rss_after_warm_up = rss_kib(pid)
                kind = kinds[i % len(kinds)]
                got = await code_of(kind.call(i))
                outcome.codes[kind.name, got.name] += 1
                if got != kind.expected:
                    outcome.unexpected.append(f"{kind.name}: {got.name}")

        await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return outcome


def test_ten_thousand_mixed_calls_get_their_expected_codes_and_memory_stays_flat(
    tmp_path: Path, serve_notes: Callable[..., HostProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'soak.db'}"
    host = serve_notes("--database-url", url)
    writer, reader = add_author(url, "writer"), add_author(url, "reader", roles="")

    began = time.monotonic()
    outcome = asyncio.run(soak(host, writer, reader))
    elapsed = time.monotonic() - began
    rss_end = rss_kib(host.process.pid)
    growth = rss_end / outcome.rss_after_warm_up - 1
    print(
        f"\nRELIABILITY soak: {CALLS} calls in {elapsed:.1f}s ({CALLS / elapsed:.0f}/s) "
        f"from {CLIENTS} clients; RSS {outcome.rss_after_warm_up} KiB after {WARM_UP} calls, "
        f"{rss_end} KiB at the end ({growth:+.1%}); unexpected {len(outcome.unexpected)}; "
        f"codes {dict(sorted(outcome.codes.items()))}"
    )
    assert sum(outcome.codes.values()) == CALLS
    assert outcome.unexpected == [], Counter(outcome.unexpected)
    assert growth < RSS_GROWTH_LIMIT, f"RSS grew {growth:.1%} after warm-up"
    assert host.terminate() == 0
