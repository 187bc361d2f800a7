"""The benchmark harness runs (its figures are not checked here: never time tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).parents[2] / "bench" / "harness.py"
# argon2's cheapest parameters, for the accounts plugin the harness's host serves.
CHEAP_ACCOUNTS_ENV = {"CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"}


def test_the_harness_runs_its_scenarios_briefly() -> None:
    (cheap,) = (f"{key}={value}" for key, value in CHEAP_ACCOUNTS_ENV.items())
    result = subprocess.run(
        [
            *[sys.executable, str(HARNESS), "--seconds", "0.5"],
            *["--scenarios", "echo,get,create-burst,startup"],
            *["--burst", "20", "--startup-runs", "1", "--concurrency", "4", "--connections", "2"],
            # Also proves --host-env reaches the host: the facts line names the profile.
            *["--host-env", cheap],
        ],
        env={k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = re.findall(r"^\| ([a-z-]+) \| (-|\d+) \| ([\d,]+) \|", result.stdout, re.MULTILINE)
    assert [(name, workers) for name, workers, _ in rows] == [("echo", "-"), ("get", "1")]
    assert all(int(rate.replace(",", "")) > 0 for _, _, rate in rows)
    assert "- get / echo (workers=1): " in result.stdout
    burst = re.search(
        r"^create-burst \(workers=1\): 20 CreateAccount at once .* s wall; (.*); host peak RSS",
        result.stdout,
        re.MULTILINE,
    )
    assert burst is not None, result.stdout
    # Every call is counted by its status code (a bounded hash queue may refuse some).
    codes = re.findall(r"([A-Z_]+) (\d+)", burst.group(1))
    assert sum(int(n) for _, n in codes) == 20, burst.group(0)
    assert re.search(
        r"^startup \(workers=1, migrated SQLite, 1 runs\): min ", result.stdout, re.MULTILINE
    )
    assert "argon2 insecure-test-only" in result.stdout
    assert "database sqlite" in result.stdout
    assert "get (workers=1)" in result.stderr  # progress lines
