"""The README's grpcurl section, run word for word, against `uv run crm-host serve` on 50051.

Both run inside a private network namespace (``unshare -n``), so the
README's port 50051 is this test's alone. Needs Linux, root (or user
namespaces), ``unshare`` and ``ip``; in CI (``CI`` or ``CRM_REQUIRE_NETNS``
set) a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SECTION = "## Talking to it with grpcurl"


def readme_commands() -> list[str]:
    """The bash blocks of the README's grpcurl section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.DOTALL)


def require_namespaces() -> None:
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    probe = None if missing else subprocess.run(["unshare", "-n", "true"], check=False)
    if missing or (probe is not None and probe.returncode != 0):
        why = f"missing {', '.join(missing)}" if missing else "unshare -n is not permitted"
        if os.environ.get("CI") or os.environ.get("CRM_REQUIRE_NETNS"):
            pytest.fail(f"the README commands run in a network namespace: {why}")
        pytest.skip(f"the README commands run in a network namespace: {why}")


def test_the_grpcurl_section_runs_as_written(tmp_path: Path) -> None:
    require_namespaces()
    blocks = readme_commands()
    # list/describe/create/health, then sign in and list with a token.
    assert len(blocks) == 2
    script = textwrap.dedent(
        f"""\
        set -euo pipefail
        ip link set lo up
        cd {tmp_path}
        export UV_PROJECT={ROOT}
        uv run crm-host serve > serve.log 2>&1 &
        server=$!
        trap 'kill $server; wait $server' EXIT
        for _ in $(seq 100); do
            grep -q 'listening on' serve.log && break
            sleep 0.2
        done
        echo '--- block 1'
        {blocks[0]}
        echo '--- block 2'
        {blocks[1]}
        """
    )
    # The blocks' own lines are flush left; the script's must be too.
    script = "\n".join(line.removeprefix("        ") for line in script.splitlines())
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
    first, second = result.stdout.split("--- block 2")
    for service in (
        "accounts.v1.AccountsService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ):
        assert f"\n{service}\n" in first
    assert "accounts.v1.AccountsService.CreateAccount is a method:" in first
    assert '"email": "john@example.com"' in first
    assert '"status": "SERVING"' in first
    # The admin's filtered first page: the two ACTIVE accounts.
    assert '"accounts": [' in second
    assert second.count('"state": "ACTIVE"') == 2
    assert '"next_page_token"' not in second
