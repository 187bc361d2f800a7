"""`crm-host serve --workers N`: worker processes sharing one port, and their supervisor."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import grpc.aio
import pytest

from crm_host._server import cli, config
from crm_host.testing import HostProcess
from support.notes import Notes, add_author, install_notes

ALL_LISTENING = re.compile(r"listening on \S+ \(port (\d+)\) with 2 workers \(pids (\d+), (\d+)\)")
HANDLED_GET = re.compile(r"\[worker \d pid (\d+)\] rpc /crmtest\.v1\.NotesService/GetNote OK")
# Enough connections that all landing on one of two workers (2 / 2**16) does not happen.
CONNECTIONS = 16


def listening_workers(process: HostProcess) -> list[int]:
    """Wait until the supervisor reports every worker listening; their pids."""
    match = process.wait_for(ALL_LISTENING)
    assert int(match.group(1)) == process.port
    return [int(match.group(2)), int(match.group(3))]


def connection(port: int | None, n: int) -> grpc.aio.Channel:
    # A distinct option per channel, so grpc opens a connection of its own for it.
    return grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("crm.test.connection", n)])


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie nobody reaped yet has, too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_gone(pids: list[int], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not all(gone(pid) for pid in pids):
        assert time.monotonic() < deadline, [pid for pid in pids if not gone(pid)]
        time.sleep(0.05)


async def create_and_get(port: int | None, token: str) -> list[str]:
    """CreateNote and GetNote over CONNECTIONS new connections, one after the other."""
    texts = []
    for n in range(CONNECTIONS):
        async with connection(port, n) as channel:
            notes = Notes(channel, token)
            created = await notes.create(f"note {n}")
            texts.append((await notes.get(created.id)).text)
    return texts


def test_two_workers_share_one_port_and_calls_land_on_both(
    serve_notes: Callable[..., HostProcess], crm_database_url: str
) -> None:
    process = serve_notes("--workers", "2", "--database-url", crm_database_url, "--migrate")
    workers = listening_workers(process)
    # The supervisor prepared the schema before starting them: its tables are there.
    writer = add_author(crm_database_url, "writer")

    texts = asyncio.run(create_and_get(process.port, writer))

    assert texts == [f"note {n}" for n in range(CONNECTIONS)]
    handled_by = {int(process.wait_for(HANDLED_GET).group(1)) for _ in range(CONNECTIONS)}
    assert handled_by == set(workers)
    assert process.terminate() == 0
    assert all(gone(pid) for pid in workers)


async def creates(port: int | None, token: str, first: int) -> None:
    for n in range(first, first + 4):
        async with connection(port, n) as channel:
            await Notes(channel, token).create(f"note {n}")


def test_a_killed_worker_is_restarted_while_the_other_serves(
    serve_notes: Callable[..., HostProcess], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    process = serve_notes("--workers", "2", "--database-url", url)
    victim, survivor = listening_workers(process)
    writer = add_author(url, "writer")

    os.kill(victim, signal.SIGKILL)
    process.wait_for(re.compile(rf"worker \d \(pid {victim}\) was killed by SIGKILL; restarting"))
    asyncio.run(creates(process.port, writer, 0))
    replacement = int(process.wait_for(re.compile(r"worker \d started \(pid (\d+)\)")).group(1))
    process.wait_for(re.compile(rf"\[worker \d pid {replacement}\] crm-host listening on"))
    asyncio.run(creates(process.port, writer, 4))

    assert gone(victim)
    assert process.terminate() == 0
    assert all(gone(pid) for pid in (survivor, replacement))


def test_workers_stop_when_their_supervisor_is_killed(
    serve_notes: Callable[..., HostProcess],
) -> None:
    process = serve_notes("--workers", "2")
    workers = listening_workers(process)

    process.kill()

    wait_gone(workers)
    assert process.output.count("the supervisor is gone; stopping") == 2


def two_workers(tmp_path: Path, *args: str) -> HostProcess:
    """`crm-host serve --workers 2 ARGS` with the notes plugin, not waiting for it to listen."""
    env = install_notes(tmp_path / "site")
    return HostProcess(
        "serve", "--plugins", "notes", "--workers", "2", *args, env=env, cwd=tmp_path
    )


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "so_reuseport"])
def test_a_port_another_process_holds_is_refused(tmp_path: Path, reuse_port: bool) -> None:
    """Even a holder with SO_REUSEPORT, which Linux would let the workers join."""
    with socket.socket() as holder:
        if reuse_port:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        address = f"127.0.0.1:{holder.getsockname()[1]}"
        process = two_workers(tmp_path, "--listen", address)
        assert process.wait() == 1
    assert (
        process.lines[-1]
        == f"crm-host: error: cannot listen on {address}: Address already in use\n"
    )
    assert "started" not in process.output


def test_a_worker_that_cannot_start_stops_the_supervisor(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.pem")
    process = two_workers(
        tmp_path, "--listen", "127.0.0.1:0", "--tls-cert", missing, "--tls-key", missing
    )
    assert process.wait() == 1
    assert re.search(r"\[worker \d pid \d+\] cannot use the TLS certificate", process.output)
    assert re.fullmatch(
        r"crm-host: error: worker \d \(pid \d+\) exited with code 1 before it listened\n",
        process.lines[-1],
    )
    assert "restarting" not in process.output


@pytest.mark.parametrize(
    ("flags", "environ", "message"),
    [
        ({"workers": "0"}, {}, "workers (from --workers): must be above zero, got '0'"),
        ({}, {"CRM_WORKERS": "-2"}, "workers (from env CRM_WORKERS): must be above zero, got '-2'"),
        (
            {"workers": "2", "metrics_listen": "127.0.0.1:0"},
            {},
            "metrics_listen cannot be used with workers above 1: each worker has metrics of its "
            "own and they cannot share a port; run replicas of one worker each instead",
        ),
    ],
)
def test_unusable_worker_counts_are_refused(
    flags: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(config.ConfigError) as failure:
        _ = cli.Invocation(flags, environ).config
    assert str(failure.value) == message
