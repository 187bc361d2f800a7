"""The documentation covers what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import crm_accounts
import crm_host.errors

ROOT = Path(__file__).parent.parent
# Error reasons are UPPER_SNAKE_CASE string literals with at least one underscore.
REASON = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')


def reasons_in(*paths: Path) -> set[str]:
    return {reason for path in paths for reason in REASON.findall(path.read_text())}


def test_every_error_reason_is_in_docs_errors_md() -> None:
    package = Path(crm_accounts.__file__).parent
    sources = [p for p in package.glob("*.py") if p.name != "models.py"]
    reasons = reasons_in(*sources, Path(crm_host.errors.__file__))
    assert len(reasons) > 20
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/errors.md").read_text()))
    assert sorted(reasons - documented) == []
