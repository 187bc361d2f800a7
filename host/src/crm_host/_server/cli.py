"""The ``crm-host`` command line, on click.

Every command comes from the ``register_commands`` hook: the built-in ones
from crm_host.builtins.commands (top-level commands), each installed
plugin's under ``crm-host <plugin> ...``. ``crm-host --help`` lists both.

click rather than argparse or typer: commands arrive at run time from
plugins, as ``click.Command`` objects any Python developer can write; the
options shared by many commands are declared once here and added to each
(argparse's ``parents=`` composition got them wrong); typer, built on click,
adds type-annotation sugar for static commands, which plugins' commands are not.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import click

from crm_host import __version__, builtins
from crm_host._server import codegen, config, logs, scaffold
from crm_host._server.lifecycle import Host, HostError
from crm_host._server.plugins import PluginError, PluginInfo, PluginManager
from crm_host.commands import CommandContext

log = logging.getLogger("crm_host")

F = TypeVar("F", bound=Callable[..., Any])

# Options every command takes.
_DEBUG = click.Option(
    ["--debug"], is_flag=True, default=False, help="debug logging, and tracebacks on errors"
)
_CONFIG = click.Option(
    ["--config", "config_file"],
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML configuration file",
)
_SET = click.Option(
    ["--set", "plugin_flags"],
    multiple=True,
    metavar="PLUGIN.KEY=VALUE",
    help="a plugin setting (repeatable); wins over the file and CRM_<PLUGIN>__<KEY>",
)
# What commands that run against the configured database take: which plugins,
# which database, how to log.
_CONFIGURED = ("plugins", "database_url", "log_format")


def _option(option: config.Option) -> click.Option:
    if option.kind is bool:
        return click.Option(
            [f"{option.flag}/--no-{option.flag[2:]}", option.name],
            default=None,
            help=f"{option.help} ({option.env})",
        )
    allowed = config.choices(option)
    default = "unset" if option.default is None else option.default
    shown = f"one of {', '.join(allowed)}; " if allowed else ""
    return click.Option(
        [option.flag, option.name],
        default=None,
        metavar=option.kind.__name__.upper(),
        help=f"{option.help} ({shown}{option.env}; default {default})",
    )


def _params(names: Iterable[str] | None) -> list[click.Parameter]:
    chosen = [o for o in config.OPTIONS if names is None or o.name in names]
    return [*(_option(option) for option in chosen), _CONFIG, _SET, _DEBUG]


def _with(params: Callable[[], list[click.Parameter]]) -> Callable[[F], F]:
    """A decorator adding ``params`` to a command, like a stack of ``@click.option``."""

    def decorate(function: F) -> F:
        # click.command() collects __click_params__ in reverse, as the
        # decorators stacked below it ran bottom-up.
        collected = function.__dict__.setdefault("__click_params__", [])
        collected.extend(reversed(params()))
        return function

    return decorate


host_options = _with(lambda: _params(None))
"""Every host option, the file and the plugin settings: for serve and config."""

configured_options = _with(lambda: _params(_CONFIGURED))
"""The options of commands that run against the configured plugins and database."""

debug_option = _with(lambda: [_DEBUG])
"""Only --debug: for commands that need no configuration."""


@dataclass
class Invocation:
    """One command's configuration, from its options, the environment and the file."""

    options: Mapping[str, Any]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @classmethod
    def of(cls, options: dict[str, Any]) -> Invocation:
        """Take the shared options out of a command's ``options``."""
        shared = {
            name: options.pop(name)
            for name in [*config.BY_NAME, "config_file", "plugin_flags", "debug"]
            if name in options
        }
        return cls(shared)

    @property
    def debug(self) -> bool:
        return bool(self.options.get("debug"))

    @cached_property
    def config(self) -> config.Config:
        effective = config.load(
            {name: self.options.get(name) for name in config.BY_NAME},
            self.environ,
            self.options.get("config_file"),
            self.options.get("plugin_flags") or (),
        )
        # Now that the file is read too: its log_format counts as well.
        logs.configure(effective["log_format"], self.log_level)
        return effective

    @property
    def log_level(self) -> str:
        return "DEBUG" if self.debug else "INFO"

    @property
    def selected(self) -> list[str] | None:
        """The plugins to load; None for every installed one."""
        value = self.config["plugins"]
        if value is None:
            return None
        return [name.strip() for name in value.split(",") if name.strip()]

    def plugins(self) -> PluginManager:
        plugins = PluginManager()
        plugins.load_entrypoints(self.selected)
        return plugins

    def host(self) -> Host:
        return Host(self.plugins(), self.config.settings)


def _plugin_command(info: PluginInfo, command: click.Command) -> click.Command:
    """``command`` with the shared options, run against the configured host."""
    wrapped = copy.copy(command)
    wrapped.params = [*command.params, *_params(_CONFIGURED)]
    callback = command.callback
    assert callback is not None, f"command {command.name} has no callback"

    def run(**options: Any) -> int:
        invocation = Invocation.of(options)
        host = invocation.host()
        if info.name not in {p.name for p in host.plugins.plugins}:
            raise HostError(
                f"{info.label} is not among the plugins selected to load "
                f"({', '.join(invocation.selected or [])})"
            )
        context = click.get_current_context()
        context.obj = CommandContext(info.name, host)

        async def prepared() -> Any:
            # Services and event types, as serve has them: a command that
            # changes resources publishes their events.
            await host.register()
            await host.prepare_schema()
            result = context.invoke(callback, **options)
            return await result if inspect.isawaitable(result) else result

        try:
            return _exit_code(asyncio.run(prepared()))
        finally:
            host.engine.dispose()

    wrapped.callback = run
    return wrapped


def _exit_code(result: Any) -> int:
    if result is None:
        return 0
    if isinstance(result, bool) or not isinstance(result, int):
        raise TypeError(f"a command returned {result!r}; return an exit code (int) or None")
    return result


class _Commands(click.Group):
    """The built-in commands, and a group of commands per installed plugin.

    Plugins are loaded only when a command that is not built in is asked for,
    or for the listing, so a broken plugin does not stop ``codegen``.
    """

    def __init__(self) -> None:
        super().__init__(
            name="crm-host",
            help="A plugin-based gRPC host for CRM services.",
            params=[
                click.Option(
                    ["--version"],
                    is_flag=True,
                    expose_value=False,
                    is_eager=True,
                    callback=_print_version,
                    help="show the version and exit",
                ),
                _DEBUG,
            ],
        )
        self._builtin: dict[str, click.Command] | None = None
        self._plugin_groups: dict[str, click.Command] | None = None
        self._broken: list[str] = []

    def builtin(self) -> dict[str, click.Command]:
        if self._builtin is None:
            manager = PluginManager()
            builtins.add_commands(manager)
            self._builtin = {c.name or "": c for _, c in _collect(manager)}
        return self._builtin

    def plugin_groups(self) -> dict[str, click.Command]:
        if self._plugin_groups is None:
            manager = PluginManager()
            manager.load_entrypoints(None, failures=self._broken)
            groups: dict[str, click.Group] = {}
            for info, command in _collect(manager):
                group = groups.get(info.name)
                if group is None:
                    group = groups[info.name] = click.Group(
                        info.name, help=f"commands of the {info.label}"
                    )
                group.add_command(_plugin_command(info, command))
            self._plugin_groups = {
                name: group for name, group in groups.items() if name not in self.builtin()
            }
        return self._plugin_groups

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*sorted(self.builtin()), *sorted(self.plugin_groups())]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.builtin().get(cmd_name)
        if found is None:
            found = self.plugin_groups().get(cmd_name)
        if found is None and self._broken:
            raise PluginError(None, f"no command {cmd_name!r}; {'; '.join(self._broken)}")
        return found

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self._broken:
            with formatter.section("Plugins that could not be loaded"):
                formatter.write_text("\n".join(self._broken))
        super().format_epilog(ctx, formatter)


def _collect(manager: PluginManager) -> list[tuple[PluginInfo, click.Command]]:
    commands: list[tuple[PluginInfo, click.Command]] = []

    def registrar(info: PluginInfo) -> dict[str, Any]:
        def register(command: click.Command) -> None:
            if not isinstance(command, click.Command) or not command.name:
                raise PluginError(
                    info, f"register_commands needs a named click.Command, not {command!r}"
                )
            commands.append((info, command))

        return {"register": register}

    manager.call_each_now("register_commands", per_plugin=registrar)
    return commands


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"crm-host {__version__}")
        ctx.exit(0)


ERRORS = (
    PluginError,
    HostError,
    config.ConfigError,
    codegen.CodegenError,
    scaffold.ScaffoldError,
)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words
    # Before parsing, so that errors on the way are logged in the chosen format.
    chosen = os.environ.get("CRM_LOG_FORMAT", "text")
    if "--log-format" in words[:-1]:
        chosen = words[words.index("--log-format") + 1]
    # An invalid choice is reported by the configuration; until then, text.
    logs.configure("json" if chosen == "json" else "text", "DEBUG" if debug else "INFO")
    try:
        result = _Commands().main(args=words, prog_name="crm-host", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        print("crm-host: aborted", file=sys.stderr)
        return 1
    except ERRORS as exc:
        if debug:
            log.exception("crm-host failed")
        print(f"crm-host: error: {exc}", file=sys.stderr)
        return 1
    return _exit_code(result)


__all__ = ["ERRORS", "Invocation", "configured_options", "debug_option", "host_options", "main"]
