"""docs/browsers.md's curl commands, run word for word against `uv run crm-host serve`.

As the README's (test_readme_commands.py), they run inside a private network
namespace (support.namespace), so the documented port 8080 is this test's
alone; curl is needed too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from support.namespace import ROOT, require_namespaces, run_with_server


def blocks() -> list[str]:
    text = (ROOT / "docs/browsers.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.*?)```", text, re.DOTALL)


def test_the_curl_examples_run_as_written(tmp_path: Path) -> None:
    require_namespaces("the browsers.md commands", ("curl",))
    serve, *commands = blocks()
    # serve; create; sign in and list; an error; a preflight.
    assert len(commands) == 4
    output = run_with_server(tmp_path, serve.strip(), "serving Connect and gRPC-Web", commands)
    outputs = output.split("--- block ")[1:]
    created = json.loads(outputs[0].split("\n", 1)[1])
    assert created["name"] == "Ada Lovelace"
    assert created["state"] == "ACTIVE"
    assert "createTime" in created
    assert "password" not in created
    # create-admin prints a line of its own first.
    listed = json.loads(outputs[1].strip().rsplit("\n", 1)[1])
    assert [account["state"] for account in listed["accounts"]] == ["ACTIVE", "ACTIVE"]
    error_text, status = outputs[2].split("\n", 1)[1].rsplit("\n", 2)[:2]
    assert status == "HTTP 401"
    error = json.loads(error_text)
    assert error["code"] == "unauthenticated"
    assert error["details"][0]["debug"] == {"reason": "UNAUTHENTICATED", "domain": "crm-host"}
    preflight = outputs[3].lower()
    assert "http/1.1 204 no content" in preflight
    assert "access-control-allow-origin: http://localhost:5173" in preflight
    assert "access-control-allow-headers: content-type, authorization" in preflight
    assert "access-control-max-age: 7200" in preflight
