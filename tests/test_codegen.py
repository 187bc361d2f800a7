"""Generated code is reproducible and committed up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crm_host._server import codegen

ROOT = Path(__file__).parent.parent
TARGETS = codegen.load_targets(ROOT / "pyproject.toml")


@pytest.mark.parametrize("target", TARGETS, ids=[t.package for t in TARGETS])
def test_committed_generated_code_is_fresh(target: codegen.Target) -> None:
    assert codegen.stale_files(target) == [], "run `uv run crm-host codegen` and commit the result"


def test_check_command_reports_a_stale_file(tmp_path: Path) -> None:
    protos = tmp_path / "protos" / "demo" / "v1"
    protos.mkdir(parents=True)
    (protos / "demo.proto").write_text(
        'syntax = "proto3";\npackage demo.v1;\n'
        "service Demo { rpc Ping(Msg) returns (Msg); }\nmessage Msg { string text = 1; }\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        "[[tool.crm-host.codegen]]\n"
        'proto_path = "protos"\nfiles = ["demo/v1/demo.proto"]\n'
        'out = "src/demo_plugin/_proto"\npackage = "demo_plugin._proto"\n'
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "crm_host", "codegen", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert run("--check").returncode == 1
    assert run().returncode == 0
    assert run("--check").returncode == 0
    grpc_module = tmp_path / "src/demo_plugin/_proto/demo/v1/demo_pb2_grpc.py"
    assert "from demo_plugin._proto.demo.v1 import demo_pb2 as" in grpc_module.read_text()

    (protos / "demo.proto").write_text(
        (protos / "demo.proto")
        .read_text()
        .replace("string text = 1;", "string text = 1; int32 n = 2;")
    )
    stale = run("--check")
    assert stale.returncode == 1
    assert "stale: " in stale.stderr
    assert "demo_pb2.py" in stale.stderr

    # The generated package imports as part of its parent, with no sys.path tricks.
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "from demo_plugin._proto.demo.v1 import demo_pb2_grpc; print(demo_pb2_grpc.DemoStub)",
        ],
        cwd=tmp_path / "src",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
