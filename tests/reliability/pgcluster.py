"""A throw-away PostgreSQL cluster of a test's own, on a free loopback port.

Built with the installed server's ``initdb`` and ``pg_ctl``, so a test can stop
and restart the database without touching the shared server on 5432. initdb
refuses to run as root: as root, the server programs run as ``postgres`` on a
directory that user owns (outside pytest's tmp_path, which only root may enter).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_host.testing import POSTGRESQL_URL_VARIABLE

SERVER_USER = "postgres"
BINARIES_GLOB = "/usr/lib/postgresql/*/bin"


def server_binaries() -> Path | None:
    """The newest installed server's bin directory, or None."""
    found = [p for p in Path("/").glob(BINARIES_GLOB.lstrip("/")) if (p / "initdb").exists()]
    return max(found, key=lambda p: int(p.parent.name), default=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Cluster:
    """One initialised cluster; ``start``/``stop`` it as often as a test likes."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="crm-pgcluster-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.running = False
        self._as_server_user = os.geteuid() == 0
        if self._as_server_user:
            shutil.chown(self.root, SERVER_USER, SERVER_USER)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self._as_server_user:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise AssertionError(f"{program} failed:\n{done.stdout}{done.stderr}\n{log}")

    def start(self) -> None:
        # Production durability (fsync, synchronous_commit) stays on: the
        # tests check that acknowledged commits survive the server's stop.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self.root} -c max_connections=50"
        )
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log), "-o", options)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``fast``: a clean shutdown; ``immediate``: like a crash, recovered from WAL on start."""
        self._run("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode)
        self.running = False

    def remove(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A running cluster of the test's own, removed afterwards.

    Missing server programs skip the test, except when CRM_TEST_DATABASE_URL
    says PostgreSQL is part of this run: then they fail it.
    """
    binaries = server_binaries()
    if binaries is None:
        message = f"no PostgreSQL server programs in {BINARIES_GLOB}"
        if os.environ.get(POSTGRESQL_URL_VARIABLE):
            pytest.fail(message + ", but CRM_TEST_DATABASE_URL is set")
        pytest.skip(message)
    cluster = Cluster(binaries)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
