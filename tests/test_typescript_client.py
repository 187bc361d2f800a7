"""The TypeScript client's own tests (node's test runner), run from the suite.

They need Node and npm. Where those are missing the test is skipped, unless
CRM_REQUIRE_NODE is set, as .ci/run does, so CI can never skip them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENT = Path(__file__).parent.parent / "clients" / "typescript"


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


def test_typescript_client() -> None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        if os.environ.get("CRM_REQUIRE_NODE"):
            pytest.fail("Node and npm are required (CRM_REQUIRE_NODE is set)")
        pytest.skip("Node and npm are not installed")
    installed = npm("ci", "--no-audit", "--no-fund")
    assert installed.returncode == 0, installed.stderr
    result = npm("test")
    assert result.returncode == 0, result.stdout + result.stderr
    counts = dict(re.findall(r"^# (pass|fail|skipped) (\d+)$", result.stdout, re.MULTILINE))
    assert counts["fail"] == "0"
    assert int(counts["pass"]) >= 15
