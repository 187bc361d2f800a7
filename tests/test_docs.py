"""The documentation covers what the code does."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


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
