"""The ``crm-host`` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from crm_host import __version__, codegen, migrations
from crm_host.host import DEFAULT_LISTEN, Host, HostError, HostSettings, plugin_settings_from_env
from crm_host.plugins import PluginError, PluginManager, describe

log = logging.getLogger("crm_host")


def _plugin_list(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _parser() -> argparse.ArgumentParser:
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

    plugin_selection = argparse.ArgumentParser(add_help=False, parents=[common])
    plugin_selection.add_argument(
        "--plugins",
        type=_plugin_list,
        default=_plugin_list(os.environ["CRM_PLUGINS"]) if "CRM_PLUGINS" in os.environ else None,
        help="comma-separated plugins to load (env CRM_PLUGINS; default: all installed)",
    )

    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url",
        default=os.environ.get("CRM_DATABASE_URL", HostSettings.database_url),
        help="SQLAlchemy database URL (env CRM_DATABASE_URL; default a SQLite file, crm.db, "
        "in the working directory)",
    )

    serve = commands.add_parser(
        "serve", parents=[plugin_selection, database], help="run the gRPC host"
    )
    serve.add_argument(
        "--listen",
        default=os.environ.get("CRM_LISTEN", DEFAULT_LISTEN),
        help=f"address to listen on (env CRM_LISTEN; default {DEFAULT_LISTEN})",
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        default=None,
        help="upgrade plugin schemas before serving (always done for SQLite)",
    )
    serve.add_argument(
        "--grace",
        type=float,
        default=HostSettings.grace,
        help="seconds in-flight calls get to finish on SIGTERM (default %(default)s)",
    )

    migrate = commands.add_parser(
        "migrate",
        parents=[plugin_selection, database],
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
    return parser


def _load_plugins(selected: list[str] | None) -> PluginManager:
    plugins = PluginManager()
    plugins.load_entrypoints(selected)
    return plugins


async def _serve(host: Host) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await host.start()
        await stop.wait()
        log.info("shutting down: draining calls for up to %ss", host.settings.grace)
    finally:
        await host.stop()
    log.info("stopped")


def _cmd_serve(args: argparse.Namespace) -> int:
    settings = HostSettings(
        listen=args.listen,
        database_url=args.database_url,
        grace=args.grace,
        plugin_settings=plugin_settings_from_env(os.environ),
        migrate=args.migrate,
    )
    asyncio.run(_serve(Host(_load_plugins(args.plugins), settings)))
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    plugins = _load_plugins(args.plugins)
    host = Host(plugins, HostSettings(plugin_settings=plugin_settings_from_env(os.environ)))
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
    host = Host(
        _load_plugins(args.plugins),
        HostSettings(
            database_url=args.database_url,
            plugin_settings=plugin_settings_from_env(os.environ),
        ),
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
    except SQLAlchemyError as exc:
        raise HostError(f"cannot migrate {host.engine.url!r}: {describe(exc)}") from exc
    finally:
        host.engine.dispose()
    log.info("every plugin schema is at its latest revision")
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


COMMANDS = {
    "serve": _cmd_serve,
    "migrate": _cmd_migrate,
    "plugins": _cmd_plugins,
    "codegen": _cmd_codegen,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return COMMANDS[args.command](args)
    except (PluginError, HostError, codegen.CodegenError) as exc:
        if args.debug:
            log.exception("crm-host failed")
        print(f"crm-host: error: {exc}", file=sys.stderr)
        return 1
