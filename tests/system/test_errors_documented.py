"""docs/errors.md covers every error reason the host and the workspace's plugins give."""

from __future__ import annotations

import re
from pathlib import Path

import crm_host

ROOT = Path(__file__).parents[2]
# Error reasons are UPPER_SNAKE_CASE string literals with at least one underscore.
REASON = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')


def reasons_in(*paths: Path) -> set[str]:
    found = {reason for path in paths for reason in REASON.findall(path.read_text())}
    # Environment variable names look alike.
    return {reason for reason in found if not reason.startswith("CRM_")}


def plugin_packages() -> list[Path]:
    """The packages of every plugin in the workspace (plugins/<name>/src/<package>)."""
    return sorted(path.parent for path in ROOT.glob("plugins/*/src/*/__init__.py"))


def test_every_error_reason_is_in_docs_errors_md() -> None:
    packages = [Path(crm_host.__file__).parent, *plugin_packages()]
    assert any(package.name == "crm_accounts" for package in packages)
    # Modules that build errors; others (models, metrics, the test helpers that
    # decode errors) have look-alike constants.
    sources = [
        p
        for package in packages
        for p in package.rglob("*.py")
        if "_proto" not in p.parts
        if "reason" in p.read_text() and p.name not in ("models.py", "testing.py")
    ]
    reasons = reasons_in(*sources)
    assert len(reasons) > 20
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/errors.md").read_text()))
    assert sorted(reasons - documented) == []
