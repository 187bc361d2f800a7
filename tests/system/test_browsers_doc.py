"""docs/browsers.md's curl commands, run word for word against `uv run crm-host serve`.

As the README's (test_readme_commands.py), they run inside a private network
namespace (``unshare -n``), so the documented port 8080 is this test's
alone. Needs Linux, root (or user namespaces), ``unshare``, ``ip`` and
``curl``; in CI (``CI`` or ``CRM_REQUIRE_NETNS`` set) a missing one fails
the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def blocks() -> list[str]:
    text = (ROOT / "docs/browsers.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.*?)```", text, re.DOTALL)


def require_namespaces() -> None:
    missing = [tool for tool in ("unshare", "ip", "curl") if shutil.which(tool) is None]
    probe = None if missing else subprocess.run(["unshare", "-n", "true"], check=False)
    if missing or (probe is not None and probe.returncode != 0):
        why = f"missing {', '.join(missing)}" if missing else "unshare -n is not permitted"
        if os.environ.get("CI") or os.environ.get("CRM_REQUIRE_NETNS"):
            pytest.fail(f"the browsers.md commands run in a network namespace: {why}")
        pytest.skip(f"the browsers.md commands run in a network namespace: {why}")


def test_the_curl_examples_run_as_written(tmp_path: Path) -> None:
    require_namespaces()
    serve, *commands = blocks()
    # serve; create; sign in and list; an error; a preflight.
    assert len(commands) == 4
    steps = "\n".join(
        f"echo '--- block {index}'\n{command}" for index, command in enumerate(commands)
    )
    script = textwrap.dedent(
        f"""\
        set -euo pipefail
        ip link set lo up
        cd {tmp_path}
        export UV_PROJECT={ROOT}
        {serve.strip()} > serve.log 2>&1 &
        server=$!
        trap 'kill $server; wait $server' EXIT
        for _ in $(seq 100); do
            grep -q 'serving Connect and gRPC-Web' serve.log && break
            sleep 0.2
        done
        """
    )
    script += steps
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
        # Inside the namespace there is no network: what uv needs is installed.
        "UV_OFFLINE": "1",
        "CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only",
    }
    result = subprocess.run(
        ["unshare", "-n", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=environ,
        cwd=tmp_path,
    )
    log = (tmp_path / "serve.log").read_text() if (tmp_path / "serve.log").exists() else ""
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{log}"
    outputs = result.stdout.split("--- block ")[1:]
    created = json.loads(outputs[0].split("\n", 1)[1])
    assert created["name"] == "Ada Lovelace"
    assert created["state"] == "ACTIVE"
    assert "createTime" in created
    assert "password" not in created
    # create-admin prints a line of its own first.
    listed = json.loads(outputs[1].strip().rsplit("\n", 1)[1])
    assert [account["state"] for account in listed["accounts"]] == ["ACTIVE", "ACTIVE"]
    error_text, status = outputs[2].split("\n", 1)[1].rsplit("\n", 2)[:2]
    assert status == "HTTP 401"
    error = json.loads(error_text)
    assert error["code"] == "unauthenticated"
    assert error["details"][0]["debug"] == {"reason": "UNAUTHENTICATED", "domain": "crm-host"}
    preflight = outputs[3].lower()
    assert "http/1.1 204 no content" in preflight
    assert "access-control-allow-origin: http://localhost:5173" in preflight
    assert "access-control-allow-headers: content-type, authorization" in preflight
    assert "access-control-max-age: 7200" in preflight
