"""Every command's --help, built-in and plugin alike, from one registry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_host.builtins import COMMANDS
from support.distributions import install_plugin

TESTS = Path(__file__).parent

TOOLS_PLUGIN = """
    import click

    from crm_host import CommandContext, hookimpl


    @click.command("count", help="Count the plugins loaded.")
    @click.option("--twice", is_flag=True, help="count them twice")
    @click.pass_obj
    async def count(context: CommandContext, twice: bool) -> int:
        click.echo(f"plugin={context.plugin} dialect={context.database.dialect} twice={twice}")
        return 3 if twice else 0


    @hookimpl
    def register_commands(register):
        register(count)
"""
BUILTIN = sorted(name.removeprefix("host.") for name in COMMANDS)
SHARED = ["--database-url", "--plugins", "--log-format", "--config", "--set", "--debug"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    install_plugin(site, "crm-tools", "2.0", "tools", TOOLS_PLUGIN)
    return site


def crm_host(site: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args],
        env={**environ, "PYTHONPATH": os.pathsep.join([str(site), str(TESTS)])},
        cwd=cwd or site,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_top_level_help_lists_built_in_and_plugin_commands(site: Path) -> None:
    result = crm_host(site, "--help")
    assert result.returncode == 0, result.stderr
    commands = result.stdout.split("Commands:")[1]
    listed = [line.split()[0] for line in commands.strip().splitlines()]
    assert set(BUILTIN) <= set(listed)
    assert "tools" in listed
    assert "commands of the plugin 'tools' (crm-tools 2.0)" in commands


def subcommands(help_text: str) -> list[str]:
    """The commands a group's help lists (none for a plain command)."""
    if "Commands:" not in help_text:
        return []
    return [line.split()[0] for line in help_text.split("Commands:")[1].strip().splitlines()]


@pytest.mark.parametrize("command", BUILTIN)
def test_every_built_in_command_has_help(site: Path, command: str) -> None:
    result = crm_host(site, command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: crm-host {command} [OPTIONS]")
    # A group's commands (crm-host events ...) take the shared options themselves.
    for sub in subcommands(result.stdout):
        inner = crm_host(site, command, sub, "--help")
        assert inner.returncode == 0, inner.stderr
        assert "--debug" in inner.stdout, sub
    assert "--debug" in result.stdout or subcommands(result.stdout)
    # No option is listed twice, and none appears as a positional.
    options = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  --")]
    assert len(options) == len(set(options))


def test_a_plugin_command_gets_the_shared_options_once(site: Path) -> None:
    result = crm_host(site, "tools", "count", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: crm-host tools count [OPTIONS]")
    options = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  --")]
    assert options == ["--twice", *SHARED, "--help"]


def test_a_plugin_command_runs_against_the_configured_host(site: Path, tmp_path: Path) -> None:
    result = crm_host(
        site, "tools", "count", "--twice", "--database-url", f"sqlite:///{tmp_path}/x.db"
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout == "plugin=tools dialect=sqlite twice=True\n"
    # Not in debug mode unless asked: asyncio's debug lines stay out.
    assert "DEBUG" not in result.stderr


def test_a_plugin_command_honours_the_plugin_selection(site: Path, tmp_path: Path) -> None:
    file = tmp_path / "crm.toml"
    file.write_text('plugins = "nothing-else"\n', encoding="utf-8")
    result = crm_host(site, "tools", "count", "--config", str(file))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("crm-host: error: plugin(s) nothing-else not installed (installed: ")
    assert "tools" in last
    accepted = crm_host(
        site, "tools", "count", "--plugins", "tools", "--database-url", f"sqlite:///{tmp_path}/x.db"
    )
    assert accepted.returncode == 0, accepted.stderr


def test_debug_is_accepted_after_the_command(site: Path, tmp_path: Path) -> None:
    result = crm_host(
        site, "tools", "count", "--debug", "--database-url", f"sqlite:///{tmp_path}/x.db"
    )
    assert result.returncode == 0, result.stderr
    assert " DEBUG " in result.stderr


def test_an_unknown_command_is_a_usage_error(site: Path) -> None:
    result = crm_host(site, "sevre")
    assert result.returncode == 2
    assert "No such command 'sevre'" in result.stderr
