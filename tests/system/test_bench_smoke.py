"""The benchmark harness runs (its figures are not checked here: never time tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench"
HARNESS = BENCH / "harness.py"
CONTACTS_BENCH = BENCH / "contacts.py"
# argon2's cheapest parameters, for the accounts plugin the harness's host serves.
CHEAP_ACCOUNTS_ENV = {"CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"}
(CHEAP,) = (f"{key}={value}" for key, value in CHEAP_ACCOUNTS_ENV.items())


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``script`` with ``args``, without the caller's CRM_* settings; it must succeed."""
    result = subprocess.run(
        [sys.executable, str(script), *args],
        env={k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_the_harness_runs_its_scenarios_briefly() -> None:
    result = run(
        HARNESS,
        *["--seconds", "0.5", "--scenarios", "echo,get,create-burst,startup"],
        *["--burst", "20", "--startup-runs", "1", "--concurrency", "4", "--connections", "2"],
        # Also proves --host-env reaches the host: the facts line names the profile.
        *["--host-env", CHEAP],
    )
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


def test_the_contacts_bench_runs_briefly(crm_database_url: str) -> None:
    result = run(
        CONTACTS_BENCH,
        *["--database-url", crm_database_url, "--host-env", CHEAP],
        *["--people", "500", "--companies", "20", "--family-names", "5"],
        *["--seconds", "0.3", "--connections", "2", "--latency-concurrency", "2"],
        *["--concurrency", "4", "--seed-processes", "1"],
    )
    assert re.search(r"^Seeded 500 people \(5 family names, .*, 20 companies", result.stdout, re.M)
    measured = result.stdout.split("\nRound 1\n", 1)[1].split("\nOver 1 round(s)", 1)[0]
    rows = re.findall(r"^\| ([a-z-]+) \| (\d+) \| ([\d,]+) \|", measured, re.MULTILINE)
    scenarios = ["echo", "get-account", "get-person", "list-page", "search"]
    assert [(name, level) for name, level, _ in rows] == [
        *((name, "2") for name in scenarios),
        *((name, "4") for name in scenarios),
    ]
    assert all(int(rate.replace(",", "")) > 0 for _, _, rate in rows)
    assert "- (get-person / echo) / (get-account / echo), 2 in flight: " in result.stdout
    # 5 family names over 500 people: walks of several pages, each page a call.
    walks = re.findall(
        r"^- list walks at \d+ in flight: ([\d,]+) pages, ([\d,]+) walks ended", result.stdout, re.M
    )
    assert len(walks) == 2, result.stdout
    assert all(int(pages) > int(ended) for pages, ended in walks), walks
    # The plans of a filtered page, its next page and four searches, each with a verdict.
    plans = re.findall(
        r"^(ListPeople page \d|SearchPeople) .*: (?:FULL SCAN|no full scan) of ",
        result.stdout,
        re.M,
    )
    assert plans == ["ListPeople page 1", "ListPeople page 2", *["SearchPeople"] * 4], result.stdout
