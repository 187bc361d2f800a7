"""The benchmark harness runs (its figures are not checked here: never time tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).parent.parent / "bench" / "harness.py"


def test_the_harness_runs_for_a_second() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(HARNESS),
            "--seconds",
            "1",
            "--scenarios",
            "echo,get",
            "--concurrency",
            "4",
            "--connections",
            "2",
        ],
        env={k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = re.findall(r"^\| (echo|get) \| ([\d,]+) \|", result.stdout, re.MULTILINE)
    assert [name for name, _ in rows] == ["echo", "get"]
    assert all(int(rate.replace(",", "")) > 0 for _, rate in rows)
    assert "GetAccount / bare echo:" in result.stdout
