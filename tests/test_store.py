"""The database the host opens: an unusable driver in its URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.hosts import CHEAP_ACCOUNTS_ENV


def crm_host(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**inherited, **CHEAP_ACCOUNTS_ENV, "CRM_PLUGINS": "accounts"},
    )


@pytest.mark.parametrize("command", ["serve", "migrate"])
@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("mysql+nosuchdriver://crm:s3cr3t@db.internal/crm", "mysql+nosuchdriver"),
        ("postgresql+pg9000://crm:s3cr3t@db.internal/crm", "postgresql+pg9000"),
        ("nosuchdatabase://crm:s3cr3t@db.internal/crm", "nosuchdatabase"),
    ],
)
def test_an_unknown_database_driver_is_one_line_naming_it(
    tmp_path: Path, command: str, url: str, driver: str
) -> None:
    result = crm_host(command, "--database-url", url, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"crm-host: error: database_url: SQLAlchemy has no database dialect or driver "
        f"{driver!r} (for example sqlite or postgresql+psycopg)"
    ]
    assert "s3cr3t" not in result.stdout + result.stderr


def test_a_driver_that_is_not_installed_is_one_line_naming_it(tmp_path: Path) -> None:
    # SQLAlchemy knows mysql+mysqldb; its module (mysqlclient) is not installed here.
    result = crm_host("serve", "--database-url", "mysql+mysqldb://crm:s3cr3t@db/crm", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "crm-host: error: database_url: the driver of 'mysql+mysqldb' is not installed "
        "(no module named 'MySQLdb')"
    ]
