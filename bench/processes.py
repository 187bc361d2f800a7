"""The benchmark's servers as subprocesses: start, port, CPU and peak memory from /proc, stop."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import uuid
from pathlib import Path


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (`crm-host serve --workers N` forks N workers)."""
    pids = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            text = children.read_text()
        except OSError:  # the thread or process ended meanwhile
            continue
        for child in text.split():
            pids.extend(_tree(int(child)))
    return pids


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of one process; None once it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of ``pid`` and of each descendant, by pid."""
    seconds = {p: _cpu_seconds(p) for p in _tree(pid)}
    return {p: s for p, s in seconds.items() if s is not None}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds a process tree used between two :func:`tree_cpu` snapshots."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def memory_kib(pid: int, field: str) -> dict[int, int]:
    """A /proc/PID/status memory field (VmHWM: peak RSS; VmRSS) of a process tree, in KiB."""
    found: dict[int, int] = {}
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        if match := re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE):
            found[p] = int(match.group(1))
    return found


def free_port() -> int:
    """A port free on 127.0.0.1 now, for a server whose port must be known before it logs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A subprocess logging to a file in ``cwd``; see :meth:`wait_listening`."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.log = cwd / f"server-{uuid.uuid4().hex[:6]}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        self.port = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_listening(self, pattern: re.Pattern[str], timeout: float = 60) -> Server:
        """Wait for a log line matching ``pattern``, whose group 1 is the port; stop on failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := pattern.search(self.log.read_text()):
                self.port = int(found.group(1))
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.process.args!r} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
