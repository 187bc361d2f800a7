"""The database the host opens: an unusable driver in its URL, and SQLite files' permissions."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import testplugins.notes
from crm_host.testing import TestHost, start_test_host, stop_test_host


@pytest.fixture
def crm_host(notes_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`crm-host ARGS` with the notes test plugin, the only plugin loaded."""

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        return subprocess.run(
            [sys.executable, "-m", "crm_host", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**inherited, **notes_env, "CRM_PLUGINS": "notes"},
        )

    return run


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
    crm_host: Callable[..., subprocess.CompletedProcess[str]],
    tmp_path: Path,
    command: str,
    url: str,
    driver: str,
) -> None:
    result = crm_host(command, "--database-url", url, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"crm-host: error: database_url: SQLAlchemy has no database dialect or driver "
        f"{driver!r} (for example sqlite or postgresql+psycopg)"
    ]
    assert "s3cr3t" not in result.stdout + result.stderr


def test_a_driver_that_is_not_installed_is_one_line_naming_it(
    crm_host: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    # SQLAlchemy knows mysql+mysqldb; its module (mysqlclient) is not installed here.
    result = crm_host("serve", "--database-url", "mysql+mysqldb://crm:s3cr3t@db/crm", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "crm-host: error: database_url: the driver of 'mysql+mysqldb' is not installed "
        "(no module named 'MySQLdb')"
    ]


# -- SQLite file permissions ---------------------------------------------------


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems run with (group and others may read new files)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def start_notes(database: Path) -> TestHost:
    """A host whose notes plugin keeps its tables in ``database``."""
    return await start_test_host([(testplugins.notes, "notes")], f"sqlite:///{database}")


@pytest.mark.usefixtures("usual_umask")
async def test_a_new_sqlite_database_and_its_wal_are_private_to_their_owner(
    tmp_path: Path,
) -> None:
    database = tmp_path / "crm.db"
    test_host = await start_notes(database)
    try:
        # Migrations wrote to it, in WAL mode: the -wal and -shm files exist now.
        files = [database, tmp_path / "crm.db-wal", tmp_path / "crm.db-shm"]
        assert {path.name: oct(mode(path)) for path in files} == {
            path.name: oct(0o600) for path in files
        }
    finally:
        await stop_test_host(test_host)


@pytest.mark.usefixtures("usual_umask")
async def test_an_existing_readable_sqlite_database_is_left_alone_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "crm.db"
    database.touch()
    database.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="crm_host"):
        await stop_test_host(await start_notes(database))

    assert mode(database) == 0o644
    assert [r.getMessage() for r in caplog.records if r.name == "crm_host._server.store"] == [
        f"the SQLite database {database} can be read by group or others (mode 0644), "
        "and it holds password hashes and keys: make it private (chmod 600)"
    ]
