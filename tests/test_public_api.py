"""crm_host's public API: what plugins may import, and that it is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import crm_host

ROOT = Path(__file__).parent.parent
# Besides crm_host itself, the contract's types and the pytest fixtures.
PUBLIC_MODULES = {
    "crm_host",
    "crm_host.events",
    "crm_host.hookspecs",
    "crm_host.kit",
    "crm_host.testing",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


PLUGIN_SOURCES = sorted(
    path
    for path in (ROOT / "plugins").glob("*/**/*.py")
    if "_proto" not in path.parts and ".venv" not in path.parts
)


def test_there_are_plugin_sources_to_check() -> None:
    assert any("crm_accounts" in path.parts for path in PLUGIN_SOURCES)


@pytest.mark.parametrize("path", PLUGIN_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_only_the_public_api(path: Path) -> None:
    private = {
        module
        for module in imported_modules(path)
        if module.startswith("crm_host") and module not in PUBLIC_MODULES
    }
    assert private == set(), f"{path} imports private crm_host modules"


# The host's test support, which plugins' own tests must not lean on.
HOST_TEST_MODULES = {"conftest", "support", "testplugins", "reliability"}


def test_plugin_tests_use_nothing_of_the_host_tests() -> None:
    tests = [path for path in PLUGIN_SOURCES if path.relative_to(ROOT).parts[2] == "tests"]
    assert any(path.name == "conftest.py" for path in tests)
    borrowed = {
        str(path.relative_to(ROOT)): modules
        for path in tests
        if (modules := {m for m in imported_modules(path) if m.split(".")[0] in HOST_TEST_MODULES})
    }
    assert borrowed == {}


def test_host_tests_use_only_the_test_plugins() -> None:
    """tests/, but the product-level tests/system, never imports a workspace plugin."""
    plugins = {path.parent.name for path in ROOT.glob("plugins/*/src/*/__init__.py")}
    assert "crm_accounts" in plugins
    tests = [
        path
        for path in (ROOT / "tests").rglob("*.py")
        if "system" not in path.relative_to(ROOT / "tests").parts
    ]
    assert ROOT / "tests" / "conftest.py" in tests
    used = {
        str(path.relative_to(ROOT)): modules
        for path in tests
        if (modules := {m for m in imported_modules(path) if m.split(".")[0] in plugins})
    }
    assert used == {}, "use tests/testplugins"


def test_every_public_name_is_documented_in_the_plugin_guide() -> None:
    guide = (ROOT / "docs/writing-a-plugin.md").read_text()
    table = set(re.findall(r"^\| `([A-Za-z_]+)", guide, re.MULTILINE))
    mentioned = {
        name.split("(")[0]
        for cell in re.findall(r"^\| ([^|]+) \|", guide, re.MULTILINE)
        for name in re.findall(r"`([A-Za-z_]+)", cell)
    }
    assert set(crm_host.__all__) <= table | mentioned
