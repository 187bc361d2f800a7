"""The documentation covers what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import crm_accounts
import crm_host

ROOT = Path(__file__).parent.parent
# Error reasons are UPPER_SNAKE_CASE string literals with at least one underscore.
REASON = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')


def reasons_in(*paths: Path) -> set[str]:
    found = {reason for path in paths for reason in REASON.findall(path.read_text())}
    # Environment variable names look alike.
    return {reason for reason in found if not reason.startswith("CRM_")}


def test_every_error_reason_is_in_docs_errors_md() -> None:
    plugin = Path(crm_accounts.__file__).parent
    host = Path(crm_host.__file__).parent
    # Modules that build errors; others (models, metrics, the test helpers that
    # decode errors) have look-alike constants.
    sources = [
        p
        for p in [*plugin.rglob("*.py"), *host.rglob("*.py")]
        if "_proto" not in p.parts
        if "reason" in p.read_text() and p.name not in ("models.py", "testing.py")
    ]
    reasons = reasons_in(*sources)
    assert len(reasons) > 20
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/errors.md").read_text()))
    assert sorted(reasons - documented) == []


def test_every_hook_is_documented_with_its_signature() -> None:
    """As datasette does: each hookspec has a heading with its exact arguments."""
    from crm_host._server.plugins import PluginManager

    guide = (ROOT / "docs/writing-a-plugin.md").read_text()
    hooks = PluginManager().hook_specs()
    assert len(hooks) >= 8
    for name, argnames in hooks.items():
        assert f"### `{name}({', '.join(argnames)})`" in guide, name


def test_every_option_is_in_the_configuration_table() -> None:
    from crm_host._server.config import OPTIONS

    table = (ROOT / "docs/configuration.md").read_text()
    for option in OPTIONS:
        assert f"| `{option.name}` | `{option.flag}` | `{option.env}` |" in table, option.name
    # And the other way round: the table documents nothing that does not exist.
    documented = re.findall(r"^\| `([a-z_]+)` \| `--", table, re.MULTILINE)
    assert sorted(documented) == sorted(option.name for option in OPTIONS)
