"""The ``crm-host`` command."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from crm_host import __version__
from crm_host._server import codegen, config, logs, migrations, scaffold, workers
from crm_host._server.lifecycle import Host, HostError, HostSettings
from crm_host._server.plugins import PluginError, PluginInfo, PluginManager, describe
from crm_host.hookspecs import CommandRun

log = logging.getLogger("crm_host")


def _plugin_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def _log_level(args: argparse.Namespace) -> str:
    return "DEBUG" if getattr(args, "debug", False) else "INFO"


def _configured(args: argparse.Namespace) -> tuple[config.Config, HostSettings]:
    effective = config.load(args, os.environ)
    # Now that the file is read too: its log_format counts as well.
    logs.configure(effective["log_format"], _log_level(args))
    return effective, HostSettings.from_config(effective)


@dataclass(frozen=True)
class PluginCommand:
    plugin: PluginInfo
    name: str
    help: str
    run: CommandRun
    configure: Callable[[argparse.ArgumentParser], None] | None


async def _plugin_commands(plugins: PluginManager) -> dict[str, list[PluginCommand]]:
    """The commands each plugin registered, by plugin name."""
    commands: dict[str, list[PluginCommand]] = {}

    def registrar(info: PluginInfo) -> dict[str, Any]:
        def register(
            name: str,
            *,
            help: str,
            run: CommandRun,
            configure: Callable[[argparse.ArgumentParser], None] | None = None,
        ) -> None:
            commands.setdefault(info.name, []).append(
                PluginCommand(info, name, help, run, configure)
            )

        return {"register": register}

    await plugins.call_each("register_commands", per_plugin=registrar)
    return commands


def _parser(
    plugin_commands: Mapping[str, list[PluginCommand]] | None = None,
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-host", description="A plugin-based gRPC host for CRM services."
    )
    parser.add_argument("--version", action="version", version=f"crm-host {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="debug logging, and tracebacks on errors"
    )
    # Also accepted after the command; SUPPRESS keeps it from resetting the above.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # Options from crm_host._server.config: flags win over CRM_* variables, which win
    # over the --config file, which wins over defaults.
    plugin_selection = argparse.ArgumentParser(add_help=False, parents=[common])
    config.add_arguments(plugin_selection, ("plugins",))
    database = argparse.ArgumentParser(add_help=False)
    config.add_arguments(database, ("database_url",))

    serve = commands.add_parser("serve", parents=[common], help="run the gRPC host")
    config.add_arguments(serve)

    show = commands.add_parser(
        "config", parents=[common], help="print the effective configuration, secrets redacted"
    )
    config.add_arguments(show)

    migrate = commands.add_parser(
        "migrate",
        parents=[plugin_selection, database],
        conflict_handler="resolve",
        help="upgrade every loaded plugin's database schema to its latest revision",
    )
    migrate.add_argument("--sql", action="store_true", help="print the SQL instead of running it")

    plugins = commands.add_parser(
        "plugins", parents=[plugin_selection], help="list the plugins and their gRPC services"
    )
    plugins.add_argument("--json", action="store_true", help="print JSON")

    generate = commands.add_parser(
        "codegen",
        parents=[common],
        help="generate Python code from .proto files ([[tool.crm-host.codegen]])",
    )
    generate.add_argument(
        "--config",
        type=Path,
        default=Path("pyproject.toml"),
        help="the pyproject.toml holding the targets (default %(default)s)",
    )
    generate.add_argument(
        "--check", action="store_true", help="only report stale output; exit 1 if any"
    )
    scaffold_parser = commands.add_parser(
        "new-plugin", parents=[common], help="create a new plugin to start from"
    )
    scaffold_parser.add_argument("name", help="the plugin's name, e.g. contacts")
    scaffold_parser.add_argument(
        "--directory",
        type=Path,
        default=Path("plugins"),
        help="where to create it (default %(default)s)",
    )
    for plugin, group in (plugin_commands or {}).items():
        plugin_parser = commands.add_parser(plugin, help=f"commands of the {plugin} plugin")
        subcommands = plugin_parser.add_subparsers(
            dest="plugin_command", required=True, metavar="COMMAND"
        )
        for command in group:
            sub = subcommands.add_parser(
                command.name,
                parents=[common, plugin_selection, database],
                conflict_handler="resolve",
                help=command.help,
            )
            if command.configure is not None:
                command.configure(sub)
    return parser


def _load_plugins(selected: list[str] | None) -> PluginManager:
    plugins = PluginManager()
    plugins.load_entrypoints(selected)
    return plugins


def _cmd_serve(args: argparse.Namespace) -> int:
    effective, settings = _configured(args)
    selected = _plugin_list(effective["plugins"])
    host = Host(_load_plugins(selected), settings)
    if effective["workers"] == 1:
        workers.run(host)
        return 0
    return workers.supervise(
        host, selected, effective["workers"], effective["log_format"], _log_level(args)
    )


def _cmd_plugins(args: argparse.Namespace) -> int:
    effective, settings = _configured(args)
    plugins = _load_plugins(_plugin_list(effective["plugins"]))
    host = Host(plugins, settings)
    asyncio.run(host.register())
    host.engine.dispose()
    services = {
        info: [s.full_name for s in host.services if s.plugin == info] for info in plugins.plugins
    }
    if args.json:
        rows = [
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "hooks": plugins.hook_names(info),
                "services": names,
            }
            for info, names in services.items()
        ]
        print(json.dumps(rows, indent=2))
        return 0
    table = [("NAME", "DISTRIBUTION", "VERSION", "SERVICES")] + [
        (
            info.name,
            info.distribution or "-",
            info.version or "-",
            ", ".join(names) or "-",
        )
        for info, names in services.items()
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    effective, settings = _configured(args)
    host = Host(
        _load_plugins(_plugin_list(effective["plugins"])),
        settings,
    )
    schemas = asyncio.run(host.schemas())
    try:
        if args.sql:
            migrations.upgrade_all(host.engine, schemas, sql_output=sys.stdout)
            return 0
        for behind in migrations.outdated(host.engine, schemas):
            log.info(
                "upgrading %s from %s to %s",
                behind.schema.plugin.label,
                behind.current,
                behind.head,
            )
        migrations.upgrade_all(host.engine, schemas)
    except (SQLAlchemyError, CommandError) as exc:
        raise HostError(f"cannot migrate {host.engine.url!r}: {describe(exc)}") from exc
    finally:
        host.engine.dispose()
    log.info("every plugin schema is at its latest revision")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    effective, _ = _configured(args)
    print(effective.render())
    return 0


def _cmd_codegen(args: argparse.Namespace) -> int:
    stale = []
    for target in codegen.load_targets(args.config):
        if args.check:
            stale += [f"{target.out / name}" for name in codegen.stale_files(target)]
        else:
            codegen.generate(target, target.out)
            print(f"generated {target.package} in {target.out}")
    for path in stale:
        print(f"stale: {path}", file=sys.stderr)
    if stale:
        print("run `crm-host codegen` to regenerate", file=sys.stderr)
    return 1 if stale else 0


def _cmd_new_plugin(args: argparse.Namespace) -> int:
    root = scaffold.create_plugin(args.name, args.directory)
    print(
        f"created {root}; install it with `uv pip install -e {root}` (or add it to your workspace)"
    )
    return 0


COMMANDS = {
    "serve": _cmd_serve,
    "migrate": _cmd_migrate,
    "config": _cmd_config,
    "plugins": _cmd_plugins,
    "codegen": _cmd_codegen,
    "new-plugin": _cmd_new_plugin,
}


def _run_plugin_command(
    args: argparse.Namespace, plugins: PluginManager, command: PluginCommand
) -> int:
    _, settings = _configured(args)
    host = Host(plugins, settings)

    async def run() -> int:
        await host.prepare_schema()
        result = command.run(args, host.engine, host.settings.for_plugin(command.plugin))
        return await result if inspect.isawaitable(result) else result

    try:
        return asyncio.run(run())
    finally:
        host.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((word for word in words if not word.startswith("-")), None)
    debug = "--debug" in words
    # Before parsing, so that errors on the way are logged in the chosen format.
    chosen = os.environ.get("CRM_LOG_FORMAT", "text")
    if "--log-format" in words[:-1]:
        chosen = words[words.index("--log-format") + 1]
    # An invalid choice is reported by the configuration; until then, text.
    log_format: Literal["text", "json"] = "json" if chosen == "json" else "text"
    logs.configure(log_format, "DEBUG" if debug else "INFO")
    try:
        plugins: PluginManager | None = None
        plugin_commands: dict[str, list[PluginCommand]] = {}
        # Plugin commands need the plugins loaded; built-in ones load them themselves.
        if first is not None and first not in COMMANDS:
            plugins = _load_plugins(_plugin_list(os.environ.get("CRM_PLUGINS")))
            plugin_commands = asyncio.run(_plugin_commands(plugins))
        args = _parser(plugin_commands).parse_args(words)
        if args.command in COMMANDS:
            return COMMANDS[args.command](args)
        assert plugins is not None
        [command] = [c for c in plugin_commands[args.command] if c.name == args.plugin_command]
        return _run_plugin_command(args, plugins, command)
    except (
        PluginError,
        HostError,
        config.ConfigError,
        codegen.CodegenError,
        scaffold.ScaffoldError,
    ) as exc:
        if debug:
            log.exception("crm-host failed")
        print(f"crm-host: error: {exc}", file=sys.stderr)
        return 1
