"""The TypeScript client's own tests (node's test runner), run from the suite.

They need Node and npm. Where those are missing the test is skipped, unless
CRM_REQUIRE_NODE is set, as .ci/run does, so CI can never skip them.

Every node test must pass: none skipped, none failed or cancelled, and as many
passed as `it(...)` declarations in test/*.test.ts, so a test that quietly stops
running (a skip, a file that no longer loads) fails this one.

`npm ci`, and the node test that installs the packed tarball into a scratch
project, take the dependencies from npm's registry (or npm's cache).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENT = Path(__file__).parents[2] / "clients" / "typescript"
# The node test runner's closing summary: "# tests 16", "# pass 16", "# skipped 0", ...
SUMMARY = re.compile(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$", re.MULTILINE)
DECLARED = re.compile(r"^\s*it\(", re.MULTILINE)


def npm(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("npm")
    assert executable is not None
    return subprocess.run(
        [executable, *args],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def declared_tests() -> int:
    files = (CLIENT / "test").glob("*.test.ts")
    return sum(len(DECLARED.findall(path.read_text())) for path in files)


def node_summary(stdout: str) -> dict[str, int]:
    return {name: int(count) for name, count in SUMMARY.findall(stdout)}


def test_typescript_client() -> None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        if os.environ.get("CRM_REQUIRE_NODE"):
            pytest.fail("Node and npm are required (CRM_REQUIRE_NODE is set)")
        pytest.skip("Node and npm are not installed")
    installed = npm("ci", "--no-audit", "--no-fund")
    assert installed.returncode == 0, installed.stderr
    result = npm("test")
    assert result.returncode == 0, result.stdout + result.stderr
    counts = node_summary(result.stdout)
    declared = declared_tests()
    assert declared > 0, "no it(...) in clients/typescript/test/*.test.ts"
    expected = {"tests": declared, "pass": declared}
    expected |= {"fail": 0, "cancelled": 0, "skipped": 0, "todo": 0}
    assert {name: counts.get(name) for name in expected} == expected, result.stdout
