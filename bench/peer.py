"""The Node.js peer: GetAccount served by grpc-js and better-sqlite3 (bench/node_peer).

The harness runs it against the host's own SQLite file, to compare the host
with the server a user might write instead (see bench/node_peer/README.md):

    with node_peer(database_path) as peer:
        ...  # call 127.0.0.1:peer.port; peer.pid for its CPU time
"""

from __future__ import annotations

import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

NODE_PEER = Path(__file__).parent / "node_peer"
LOCK_FILE = NODE_PEER / "package-lock.json"
# npm writes this last, so an install that failed halfway is not taken for done.
INSTALLED_MARKER = NODE_PEER / "node_modules" / ".package-lock.json"


class PeerUnavailable(RuntimeError):
    """The peer cannot be installed or started here."""


@dataclass(frozen=True)
class RunningPeer:
    port: int
    pid: int


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PeerUnavailable(
            f"{name} is not on PATH; the Node peer needs Node.js 20 or later with npm"
        )
    return path


def install() -> None:
    """``npm ci`` into bench/node_peer unless done since the lock file last changed.

    better-sqlite3 needs its install script: it builds its native module from
    source with node-gyp when no prebuilt binary can be downloaded, which takes
    a minute or two and needs make, a C++ compiler and Python.
    """
    if INSTALLED_MARKER.exists() and INSTALLED_MARKER.stat().st_mtime >= LOCK_FILE.stat().st_mtime:
        return
    done = subprocess.run(
        [_tool("npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_PEER,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise PeerUnavailable(f"npm ci in {NODE_PEER} failed:\n{done.stdout}{done.stderr}")


def _port_line(stdout: IO[str], timeout: float) -> int | None:
    """The port the peer prints once listening; None if it exits or stays silent."""
    readable, _, _ = select.select([stdout], [], [], timeout)
    line = stdout.readline() if readable else ""
    return int(line) if line.strip().isdigit() else None


@contextmanager
def node_peer(database: Path, port: int = 0, startup_timeout: float = 30) -> Iterator[RunningPeer]:
    """Install if needed, run the peer on 127.0.0.1 over ``database``, stop it on exit."""
    install()
    with tempfile.TemporaryFile("w+") as errors:
        server = [_tool("node"), str(NODE_PEER / "server.js")]
        process = subprocess.Popen(
            [*server, "--database", str(database), "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            bound = _port_line(process.stdout, startup_timeout)
            if bound is None:
                errors.seek(0)
                raise PeerUnavailable(f"the Node peer did not start:\n{errors.read()}")
            yield RunningPeer(port=bound, pid=process.pid)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
