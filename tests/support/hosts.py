"""Start real hosts for tests: in this process, or as a `crm-host serve` subprocess."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from crm_host._server.lifecycle import Host

# argon2's cheapest parameters keep the suite fast; production defaults are tested
# by the benchmarks, not here.
CHEAP_ACCOUNTS = {"argon2_profile": "insecure-test-only"}
CHEAP_ACCOUNTS_ENV = {"CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"}

StartHost = Callable[..., Awaitable[Host]]
"""The ``start_host`` fixture: start an in-process host with (plugin, name) pairs."""

LISTENING = re.compile(r"listening on \S+ \(port (\d+)\)")


class HostProcess:
    """`python -m crm_host ARGS` with its stderr collected line by line."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        self.lines: list[str] = []
        self.port: int | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [python, "-m", "crm_host", *args],
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            if match := pattern.search(line):
                return match
        raise AssertionError(f"no line matching {pattern.pattern!r}; output:\n{self.output}")

    def wait_listening(self) -> int:
        """Wait for the "listening" log line; return (and remember) the bound port."""
        self.port = int(self.wait_for(LISTENING).group(1))
        return self.port

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code; kills and fails if it does not exit in time."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"crm-host did not exit; output:\n{self.output}") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def create_admin(database_url: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    """`crm-host accounts create-admin` against ``database_url``, password on stdin."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "crm_host",
            "accounts",
            "create-admin",
            "--email",
            email,
            "--database-url",
            database_url,
        ],
        input=f"{password}\n",
        env={**os.environ, **CHEAP_ACCOUNTS_ENV, "CRM_PLUGINS": "accounts"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
