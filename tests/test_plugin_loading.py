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
from support.hosts import CHEAP_ACCOUNTS_ENV

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
        **CHEAP_ACCOUNTS_ENV,
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


def test_the_installed_accounts_plugin_is_found_through_its_entry_point() -> None:
    rows = plugins_json()
    accounts = next(row for row in rows if row["name"] == "accounts")
    assert accounts["distribution"] == "crm-accounts"
    assert accounts["version"] == "0.1.0"
    assert accounts["services"] == ["accounts.v1.AccountsService"]
    assert "register_services" in accounts["hooks"]  # type: ignore[operator]


def test_plugins_table_lists_services() -> None:
    result = crm_host("plugins")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "DISTRIBUTION", "VERSION", "SERVICES"]
    assert any(
        row.split() == ["accounts", "crm-accounts", "0.1.0", "accounts.v1.AccountsService"]
        for row in rows
    )


def test_crm_plugins_and_the_flag_select_plugins(tmp_path: Path) -> None:
    install_plugin(tmp_path, "crm-echo", "2.0", "echo", ECHO_PLUGIN)
    assert {row["name"] for row in plugins_json(site=tmp_path)} == {"accounts", "echo"}
    assert [
        row["name"] for row in plugins_json(site=tmp_path, env={"CRM_PLUGINS": "accounts"})
    ] == ["accounts"]
    only_echo = plugins_json("--plugins", "echo", site=tmp_path, env={"CRM_PLUGINS": "accounts"})
    assert [(r["name"], r["distribution"], r["version"], r["services"]) for r in only_echo] == [
        ("echo", "crm-echo", "2.0", ["crmtest.v1.EchoService"])
    ]


def test_selecting_a_plugin_that_is_not_installed_fails() -> None:
    result = crm_host("plugins", env={"CRM_PLUGINS": "accounts,nope"})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "crm-host: error: plugin(s) nope not installed (installed: accounts)"
    )


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_a_plugin_that_fails_to_import_stops_the_host_with_one_line(tmp_path: Path) -> None:
    install_plugin(tmp_path / "site", "crm-broken", "0.3", "broken", "import does_not_exist\n")
    result = crm_host("serve", "--listen", "127.0.0.1:0", site=tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "crm-host: error: plugin 'broken' (crm-broken 0.3): failed to import crm_broken: "
        "ModuleNotFoundError: No module named 'does_not_exist'"
    )

    debug = crm_host(
        "serve", "--debug", "--listen", "127.0.0.1:0", site=tmp_path / "site", cwd=tmp_path
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
    result = crm_host("serve", "--listen", "127.0.0.1:0", site=tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 1
    assert "listening" not in result.stderr
    assert last_line(result.stderr) == (
        "crm-host: error: plugin 'mailer' (crm-mailer 1.0): hook startup raised "
        "ValueError: mail_server setting is required"
    )
    assert "Traceback" not in result.stderr


def test_two_plugins_claiming_one_service_name_stop_the_host(tmp_path: Path) -> None:
    code = """
        from crm_host import hookimpl
        from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc

        @hookimpl
        def register_services(register):
            register(
                servicer=accounts_pb2_grpc.AccountsServiceServicer(),
                add_to_server=accounts_pb2_grpc.add_AccountsServiceServicer_to_server,
                descriptor=accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"],
            )
    """
    install_plugin(tmp_path / "site", "crm-impostor", "0.1", "impostor", code)
    result = crm_host("serve", "--listen", "127.0.0.1:0", site=tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "crm-host: error: plugin 'impostor' (crm-impostor 0.1): service "
        "accounts.v1.AccountsService is already registered by plugin 'accounts' "
        "(crm-accounts 0.1.0)"
    )


def test_a_misspelled_hook_is_refused() -> None:
    from testplugins.faulty import MisspelledHook

    manager = PluginManager()
    manager.register(MisspelledHook(), "typo")
    with pytest.raises(PluginError, match=r"^plugin 'typo': unknown hook 'register_service'"):
        manager.check_pending()


def test_a_second_host_on_a_taken_port_fails_loudly(
    tmp_path: Path, serve_accounts: Callable[[], HostProcess]
) -> None:
    first = serve_accounts()
    port = first.port
    second = crm_host(
        "serve", "--plugins", "accounts", "--listen", f"127.0.0.1:{port}", cwd=tmp_path
    )
    assert second.returncode == 1
    assert re.search(rf"cannot listen on 127\.0\.0\.1:{port}", second.stderr)
    assert first.terminate() == 0
