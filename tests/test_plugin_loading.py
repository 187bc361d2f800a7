"""Discovery through entry points, plugin selection, and how plugin failures stop the host."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from crm_host._server.plugins import PluginError, PluginManager
from crm_host.testing import HostProcess
from support.distributions import install_plugin
from support.notes import install_notes

TESTS = Path(__file__).parent

ECHO_PLUGIN = """
    from crm_host import hookimpl
    from testplugins.echo import AsyncEcho, DESCRIPTOR
    from testplugins._proto.crmtest.v1 import echo_pb2_grpc

    @hookimpl
    def register_services(register):
        register(
            servicer=AsyncEcho(),
            add_to_server=echo_pb2_grpc.add_EchoServiceServicer_to_server,
            descriptor=DESCRIPTOR,
        )
"""


def crm_host(
    *args: str,
    site: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `crm-host ARGS` with the plugins installed in ``site`` visible to it."""
    paths = [str(site)] if site else []
    inherited = {k: v for k, v in os.environ.items() if k != "CRM_PLUGINS"}
    environ = {
        **inherited,
        "PYTHONPATH": os.pathsep.join([*paths, str(TESTS)]),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def plugins_json(
    *args: str, site: Path | None = None, env: Mapping[str, str] | None = None
) -> list[dict[str, object]]:
    result = crm_host("plugins", "--json", *args, site=site, env=env)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_an_installed_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    install_notes(tmp_path)
    rows = plugins_json(site=tmp_path)
    notes = next(row for row in rows if row["name"] == "notes")
    assert notes["distribution"] == "crm-notes"
    assert notes["version"] == "1.0"
    assert notes["services"] == ["crmtest.v1.NotesService"]
    assert "register_services" in notes["hooks"]  # type: ignore[operator]


def test_plugins_table_lists_services(tmp_path: Path) -> None:
    install_notes(tmp_path)
    result = crm_host("plugins", site=tmp_path)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "DISTRIBUTION", "VERSION", "SERVICES"]
    assert any(
        row.split() == ["notes", "crm-notes", "1.0", "crmtest.v1.NotesService"] for row in rows
    )


def test_crm_plugins_and_the_flag_select_plugins(tmp_path: Path) -> None:
    install_plugin(tmp_path, "crm-echo", "2.0", "echo", ECHO_PLUGIN)
    install_notes(tmp_path)
    # Every installed plugin: these two, and whatever else the environment holds.
    assert {row["name"] for row in plugins_json(site=tmp_path)} >= {"notes", "echo"}
    assert [row["name"] for row in plugins_json(site=tmp_path, env={"CRM_PLUGINS": "notes"})] == [
        "notes"
    ]
    only_echo = plugins_json("--plugins", "echo", site=tmp_path, env={"CRM_PLUGINS": "notes"})
    assert [(r["name"], r["distribution"], r["version"], r["services"]) for r in only_echo] == [
        ("echo", "crm-echo", "2.0", ["crmtest.v1.EchoService"])
    ]


def test_selecting_a_plugin_that_is_not_installed_fails(tmp_path: Path) -> None:
    install_notes(tmp_path)
    result = crm_host("plugins", site=tmp_path, env={"CRM_PLUGINS": "notes,nope"})
    assert result.returncode == 1
    message = re.fullmatch(
        r"crm-host: error: plugin\(s\) nope not installed \(installed: (.*)\)",
        result.stderr.strip(),
    )
    assert message is not None, result.stderr
    installed = message.group(1).split(", ")
    assert "notes" in installed
    assert installed == sorted(installed)


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_a_plugin_that_fails_to_import_stops_the_host_with_one_line(tmp_path: Path) -> None:
    install_plugin(tmp_path / "site", "crm-broken", "0.3", "broken", "import does_not_exist\n")
    result = crm_host(
        *("serve", "--plugins", "broken", "--listen", "127.0.0.1:0"),
        site=tmp_path / "site",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "crm-host: error: plugin 'broken' (crm-broken 0.3): failed to import crm_broken: "
        "ModuleNotFoundError: No module named 'does_not_exist'"
    )

    debug = crm_host(
        *("serve", "--debug", "--plugins", "broken", "--listen", "127.0.0.1:0"),
        site=tmp_path / "site",
        cwd=tmp_path,
    )
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert last_line(debug.stderr) == result.stderr.strip()


def test_a_startup_hook_that_raises_stops_the_host_before_it_listens(tmp_path: Path) -> None:
    code = """
        from crm_host import hookimpl

        @hookimpl
        def startup(settings):
            raise ValueError("mail_server setting is required")
    """
    install_plugin(tmp_path / "site", "crm-mailer", "1.0", "mailer", code)
    result = crm_host(
        *("serve", "--plugins", "mailer", "--listen", "127.0.0.1:0"),
        site=tmp_path / "site",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "listening" not in result.stderr
    assert last_line(result.stderr) == (
        "crm-host: error: plugin 'mailer' (crm-mailer 1.0): hook startup raised "
        "ValueError: mail_server setting is required"
    )
    assert "Traceback" not in result.stderr


def test_two_plugins_claiming_one_service_name_stop_the_host(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_notes(site)
    code = """
        from crm_host import hookimpl
        from testplugins._proto.crmtest.v1 import notes_pb2, notes_pb2_grpc

        @hookimpl
        def register_services(register):
            register(
                servicer=notes_pb2_grpc.NotesServiceServicer(),
                add_to_server=notes_pb2_grpc.add_NotesServiceServicer_to_server,
                descriptor=notes_pb2.DESCRIPTOR.services_by_name["NotesService"],
            )
    """
    install_plugin(site, "crm-rogue", "0.1", "rogue", code)
    result = crm_host(
        *("serve", "--plugins", "notes,rogue", "--listen", "127.0.0.1:0"), site=site, cwd=tmp_path
    )
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "crm-host: error: plugin 'rogue' (crm-rogue 0.1): service "
        "crmtest.v1.NotesService is already registered by plugin 'notes' (crm-notes 1.0)"
    )


def test_a_misspelled_hook_is_refused() -> None:
    from testplugins.faulty import MisspelledHook

    manager = PluginManager()
    manager.register(MisspelledHook(), "typo")
    with pytest.raises(PluginError, match=r"^plugin 'typo': unknown hook 'register_service'"):
        manager.check_pending()


def test_a_second_host_on_a_taken_port_fails_loudly(
    tmp_path: Path, serve_notes: Callable[[], HostProcess]
) -> None:
    first = serve_notes()
    port = first.port
    install_notes(tmp_path / "site")
    second = crm_host(
        *("serve", "--plugins", "notes", "--listen", f"127.0.0.1:{port}"),
        site=tmp_path / "site",
        cwd=tmp_path,
    )
    assert second.returncode == 1
    assert re.search(rf"cannot listen on 127\.0\.0\.1:{port}", second.stderr)
    assert first.terminate() == 0
