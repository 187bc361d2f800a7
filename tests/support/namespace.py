"""Documented commands, run word for word in a private network namespace.

Inside ``unshare -n`` the documented ports (50051, 8080) are the test's
alone. Needs Linux, root (or user namespaces), ``unshare`` and ``ip``; in
CI (``CI`` or ``CRM_REQUIRE_NETNS`` set) a missing one fails the test
instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def require_namespaces(what: str, tools: tuple[str, ...] = ()) -> None:
    missing = [tool for tool in ("unshare", "ip", *tools) if shutil.which(tool) is None]
    probe = None if missing else subprocess.run(["unshare", "-n", "true"], check=False)
    if missing or (probe is not None and probe.returncode != 0):
        why = f"missing {', '.join(missing)}" if missing else "unshare -n is not permitted"
        if os.environ.get("CI") or os.environ.get("CRM_REQUIRE_NETNS"):
            pytest.fail(f"{what} run in a network namespace: {why}")
        pytest.skip(f"{what} run in a network namespace: {why}")


def run_with_server(tmp_path: Path, serve: str, ready: str, commands: list[str]) -> str:
    """Run ``serve`` in the background until its log says ``ready``, then each of
    ``commands``, each after a ``--- block N`` line; return their output."""
    steps = "\n".join(f"echo '--- block {n}'\n{command}" for n, command in enumerate(commands))
    script = textwrap.dedent(
        f"""\
        set -euo pipefail
        ip link set lo up
        cd {tmp_path}
        export UV_PROJECT={ROOT}
        {serve} > serve.log 2>&1 &
        server=$!
        trap 'kill $server; wait $server' EXIT
        for _ in $(seq 100); do
            grep -q '{ready}' serve.log && break
            sleep 0.2
        done
        """
    )
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        # Inside the namespace there is no network: what uv needs is installed.
        "UV_OFFLINE": "1",
        "CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only",
    }
    result = subprocess.run(
        ["unshare", "-n", "bash", "-c", script + steps],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=environ,
        cwd=tmp_path,
    )
    log = (tmp_path / "serve.log").read_text() if (tmp_path / "serve.log").exists() else ""
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{log}"
    return result.stdout
