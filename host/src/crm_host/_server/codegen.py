"""Generate Python code from .proto files so that it imports as part of a package.

protoc writes ``from accounts.v1 import accounts_pb2`` into generated modules,
which only works when the proto root is on ``sys.path``. We instead rewrite
every import of a module generated in the same run to an absolute import under
the target package (``from crm_accounts._proto.accounts.v1 import
accounts_pb2``), and add the ``__init__.py`` files that make the output a
regular package.

Targets are read from ``[[tool.crm-host.codegen]]`` tables in a pyproject.toml:
``proto_path`` (the include root), ``files`` (relative to it), ``out`` (the
directory owned by the generator: it is replaced wholesale) and ``package``
(the import name of ``out``).
"""

from __future__ import annotations

import filecmp
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

GENERATED_SUFFIXES = (".py", ".pyi")


class CodegenError(Exception):
    """protoc failed or the configuration is invalid."""


@dataclass(frozen=True)
class Target:
    proto_path: Path
    files: tuple[str, ...]
    out: Path
    package: str


def load_targets(pyproject: Path) -> list[Target]:
    """Read the codegen targets of a pyproject.toml, resolving paths against its folder."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    tables = data.get("tool", {}).get("crm-host", {}).get("codegen", [])
    if not tables:
        raise CodegenError(f"{pyproject} has no [[tool.crm-host.codegen]] table")
    root = pyproject.parent
    targets = []
    for table in tables:
        try:
            targets.append(
                Target(
                    proto_path=root / table["proto_path"],
                    files=tuple(table["files"]),
                    out=root / table["out"],
                    package=table["package"],
                )
            )
        except KeyError as missing:
            raise CodegenError(f"{pyproject}: a codegen table lacks the key {missing}") from None
    return targets


def generate(target: Target, out: Path) -> None:
    """Run protoc for ``target`` and write the finished package into ``out``."""
    try:
        from grpc_tools import protoc
    except ImportError:
        raise CodegenError(
            "crm-host codegen needs grpcio-tools: install crm-host[codegen]"
        ) from None

    include = resources.files("grpc_tools") / "_proto"
    with tempfile.TemporaryDirectory() as raw:
        staging = Path(raw)
        status = protoc.main(
            [
                "protoc",
                f"--proto_path={target.proto_path}",
                f"--proto_path={include}",
                f"--python_out={staging}",
                f"--pyi_out={staging}",
                f"--grpc_python_out={staging}",
                *target.files,
            ]
        )
        if status != 0:
            raise CodegenError(f"protoc failed for {', '.join(target.files)} (exit {status})")
        modules = {
            ".".join(path.relative_to(staging).with_suffix("").parts)
            for path in staging.rglob("*.py")
        }
        for path in staging.rglob("*"):
            if path.suffix in GENERATED_SUFFIXES:
                text = path.read_text(encoding="utf-8")
                path.write_text(_rewrite_imports(text, modules, target.package), encoding="utf-8")
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            (folder / "__init__.py").touch()
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staging, out)


def stale_files(target: Target) -> list[str]:
    """Names of the files under ``target.out`` that differ from a fresh generation."""
    with tempfile.TemporaryDirectory() as raw:
        fresh = Path(raw) / "out"
        generate(target, fresh)
        expected = _tree(fresh)
        actual = _tree(target.out)
        return sorted(
            name
            for name in expected.keys() | actual.keys()
            if name not in expected
            or name not in actual
            or not filecmp.cmp(expected[name], actual[name], shallow=False)
        )


def _tree(root: Path) -> dict[str, Path]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in root.rglob("*")
        if path.is_file() and path.suffix in GENERATED_SUFFIXES
    }


_FROM_IMPORT = re.compile(r"^(\s*)from ([\w.]+) import (\w+)", re.MULTILINE)
_ALIASED_IMPORT = re.compile(r"^(\s*)import ([\w.]+) as ", re.MULTILINE)


def _rewrite_imports(text: str, modules: set[str], package: str) -> str:
    def from_import(match: re.Match[str]) -> str:
        indent, parent, name = match.groups()
        if f"{parent}.{name}" in modules:
            return f"{indent}from {package}.{parent} import {name}"
        return match.group(0)

    def aliased_import(match: re.Match[str]) -> str:
        indent, module = match.groups()
        if module in modules:
            return f"{indent}import {package}.{module} as "
        return match.group(0)

    return _ALIASED_IMPORT.sub(aliased_import, _FROM_IMPORT.sub(from_import, text))
