"""docs/errors.md covers every error reason the host and the workspace's plugins give.

Reasons are found two ways in the modules that build errors: every
UPPER_SNAKE_CASE string literal (constants such as the filter parser's), and
what is passed as a reason (``reason=...``, or the reason argument of
``FieldViolation``, ``error``, ``PagingError`` and ``FilterError``), single
words and f-strings included. An f-string reason, such as the kit's
``f"{upper(kind)}_NOT_FOUND"``, is documented by a pattern in which each
placeholder is a word in angle brackets: `<KIND>_NOT_FOUND`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import crm_host

ROOT = Path(__file__).parents[2]
# Error reasons are UPPER_SNAKE_CASE string literals with at least one underscore.
REASON = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')
WORD = re.compile(r"[A-Z][A-Z0-9_]*")
# The position of the reason among each error constructor's arguments.
REASON_ARGUMENT = {"FieldViolation": 2, "error": 2, "PagingError": 1, "FilterError": 0}
# What stands for an f-string's placeholder in a pattern.
PLACEHOLDER = "<>"


def enum_values(tree: ast.AST) -> set[str]:
    """String values of enum members (``SET_NULL = "SET_NULL"``): names, not reasons."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            "Enum" in ast.unparse(base) for base in node.bases
        ):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
                    found.add(str(statement.value.value))
    return found


def as_reason(node: ast.expr) -> str | None:
    """A reason passed as a literal, or an f-string's pattern; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if WORD.fullmatch(node.value) else None
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            str(part.value) if isinstance(part, ast.Constant) else PLACEHOLDER
            for part in node.values
        )
        return pattern if WORD.fullmatch(pattern.replace(PLACEHOLDER, "X")) else None
    return None


def passed_reasons(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        arguments = [k.value for k in node.keywords if k.arg == "reason"]
        name = ast.unparse(node.func).rpartition(".")[2]
        position = REASON_ARGUMENT.get(name)
        if position is not None and len(node.args) > position:
            arguments.append(node.args[position])
        found |= {reason for argument in arguments if (reason := as_reason(argument))}
    return found


def reasons_in(path: Path) -> set[str]:
    text = path.read_text()
    tree = ast.parse(text)
    found = passed_reasons(tree)
    # Constants are looked for in modules that build errors; others (models,
    # metrics) have look-alikes.
    if "reason" in text and path.name != "models.py":
        found |= set(REASON.findall(text)) - enum_values(tree)
    # Environment variable names look alike.
    return {reason for reason in found if not reason.startswith("CRM_")}


def documented(reason: str, documentation: set[str]) -> bool:
    if PLACEHOLDER not in reason:
        return reason in documentation
    parts = (re.escape(part) for part in reason.split(PLACEHOLDER))
    pattern = re.compile("<[A-Z][A-Z_]*>".join(parts))
    return any(pattern.fullmatch(entry) for entry in documentation)


def plugin_packages() -> list[Path]:
    """The packages of every plugin in the workspace (plugins/<name>/src/<package>)."""
    return sorted(path.parent for path in ROOT.glob("plugins/*/src/*/__init__.py"))


def test_every_error_reason_is_in_docs_errors_md() -> None:
    packages = [Path(crm_host.__file__).parent, *plugin_packages()]
    assert any(package.name == "crm_accounts" for package in packages)
    # testing.py decodes errors, and its skip reasons are no error's.
    sources = [
        path
        for package in packages
        for path in package.rglob("*.py")
        if "_proto" not in path.parts and path.name != "testing.py"
    ]
    reasons = {reason for path in sources for reason in reasons_in(path)}
    assert len(reasons) > 20
    # The kit's, found only as arguments: single words and f-strings.
    assert {"CONFLICT", "REFERENCED", "<>_NOT_FOUND", "<>_TOO_LONG"} <= reasons
    text = (ROOT / "docs/errors.md").read_text()
    entries = set(re.findall(r"`((?:<[A-Z][A-Z_]*>|[A-Z])[A-Z0-9_<>]*)`", text))
    assert sorted(r for r in reasons if not documented(r, entries)) == []
