"""The README's grpcurl section, run word for word, against `uv run crm-host serve` on 50051.

Both run inside a private network namespace (``unshare -n``), so the
README's port 50051 is this test's alone. Needs Linux, root (or user
namespaces), ``unshare`` and ``ip``; in CI (``CI`` or ``CRM_REQUIRE_NETNS``
set) a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import re
from pathlib import Path

from support.namespace import ROOT, require_namespaces, run_with_server

SECTION = "## Talking to it with grpcurl"


def readme_commands() -> list[str]:
    """The bash blocks of the README's grpcurl section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.DOTALL)


def test_the_grpcurl_section_runs_as_written(tmp_path: Path) -> None:
    require_namespaces("the README commands")
    blocks = readme_commands()
    # list/describe/create/health, then sign in and list with a token.
    assert len(blocks) == 2
    output = run_with_server(tmp_path, "uv run crm-host serve", "listening on", blocks)
    first, second = output.split("--- block 1")
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
