"""The crm-host command line."""

from __future__ import annotations

import subprocess
import sys

from crm_host import __version__


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_host", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == f"crm-host {__version__}"
