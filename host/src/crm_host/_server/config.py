"""The host's configuration: every option, where it comes from, and its checks.

Precedence, highest first: command-line flags, environment variables
(``CRM_*``), the TOML file given with ``--config``, defaults. Plugin settings
live in ``[plugins.<name>]`` tables of the file and in ``CRM_<PLUGIN>__<KEY>``
variables (which win); a value ``{ env = "VAR" }`` in the file is read from
the environment, so secrets need not be written down.

Every option is listed once, in :data:`OPTIONS`; docs/configuration.md has a
row for each, and a test keeps the two in step.
"""

from __future__ import annotations

import argparse
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crm_host._server.store import DEFAULT_DATABASE_URL


class ConfigError(Exception):
    """Invalid configuration; ``str()`` names the key and where it came from."""


@dataclass(frozen=True)
class Option:
    name: str
    kind: type
    default: Any
    help: str
    # Shown redacted by `crm-host config`.
    secret: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "CRM_" + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option("listen", str, "[::]:50051", "address to serve gRPC on"),
    Option("workers", int, 1, "server processes sharing the listen port (SO_REUSEPORT)"),
    Option("database_url", str, DEFAULT_DATABASE_URL, "SQLAlchemy database URL", secret=True),
    Option("plugins", str, None, "comma-separated plugins to load (default: all installed)"),
    Option("migrate", bool, None, "upgrade plugin schemas on start (default: only for SQLite)"),
    Option("grace", float, 10.0, "seconds in-flight calls get to finish on SIGTERM"),
    Option("drain_delay", float, 0.0, "seconds to report NOT_SERVING before stopping on SIGTERM"),
    Option("tls_cert", str, None, "PEM certificate chain: serve TLS instead of plaintext"),
    Option("tls_key", str, None, "PEM private key of --tls-cert", secret=True),
    Option("tls_client_ca", str, None, "PEM CA bundle: require client certificates (mutual TLS)"),
    Option("max_receive_message_bytes", int, 4 * 1024 * 1024, "largest request message"),
    Option("max_concurrent_streams", int, 100, "concurrent calls per HTTP/2 connection"),
    Option("keepalive_time_seconds", float, 7200.0, "idle time before the server pings a client"),
    Option("keepalive_timeout_seconds", float, 20.0, "how long a ping may go unanswered"),
    Option(
        "keepalive_min_ping_interval_seconds",
        float,
        300.0,
        "clients pinging more often than this (without calls) are disconnected",
    ),
    Option("max_connection_age_seconds", float, 300.0, "close connections after this long"),
    Option(
        "max_connection_age_grace_seconds", float, 30.0, "calls' grace on a connection being closed"
    ),
    Option(
        "default_deadline_seconds",
        float,
        30.0,
        "deadline of async unary calls whose client set none (0: none)",
    ),
    Option("health_check_interval_seconds", float, 0.5, "how often readiness checks the database"),
    Option(
        "hook_timeout_seconds",
        float,
        30.0,
        "how long each plugin's startup or shutdown hook may take (0: no limit)",
    ),
    Option("log_format", str, "text", "log line format: text or json"),
    Option(
        "tracing",
        bool,
        False,
        "trace calls with OpenTelemetry (needs crm-host[tracing]; async handlers only)",
    ),
    Option("metrics_listen", str, None, "address to serve Prometheus metrics on (HTTP)"),
)

BY_NAME = {option.name: option for option in OPTIONS}
# HostSettings takes its defaults from here, so they are stated once.
DEFAULTS: Mapping[str, Any] = MappingProxyType({o.name: o.default for o in OPTIONS})
CHOICES = {"log_format": ("text", "json")}
SECRET_WORDS = ("pass", "secret", "token", "key", "pepper", "dsn", "credential", "url")
# Options that must be above zero, not just not negative.
POSITIVE = {
    "health_check_interval_seconds",
    "max_receive_message_bytes",
    "max_concurrent_streams",
    "workers",
}


def add_arguments(parser: argparse.ArgumentParser, names: tuple[str, ...] | None = None) -> None:
    """Add the flags of ``names`` (all options by default); unset flags stay None."""
    for option in OPTIONS:
        if names is not None and option.name not in names:
            continue
        if option.kind is bool:
            parser.add_argument(
                option.flag,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{option.help} ({option.env})",
            )
        else:
            parser.add_argument(
                option.flag,
                default=None,
                help=f"{option.help} ({option.env}; default {option.default})",
            )
    parser.add_argument("--config", type=Path, default=None, help="TOML configuration file")


@dataclass(frozen=True)
class Value:
    value: Any
    source: str


@dataclass(frozen=True)
class Config:
    """The effective configuration, with where each value came from."""

    values: Mapping[str, Value]
    plugins: Mapping[str, Mapping[str, Value]]

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    def plugin_settings(self) -> dict[str, dict[str, str]]:
        return {
            plugin: {key: str(value.value) for key, value in settings.items()}
            for plugin, settings in self.plugins.items()
        }

    def render(self) -> str:
        """TOML-like text of every value and its source, secrets redacted."""
        lines = []
        for option in OPTIONS:
            value = self.values[option.name]
            lines.append(f"{option.name} = {_show(option, value.value)}  # {value.source}")
        for plugin, settings in sorted(self.plugins.items()):
            lines.append(f"\n[plugins.{plugin}]")
            for key, value in sorted(settings.items()):
                # Anything taken from the environment may be a secret.
                secret = value.source.startswith("env ") or any(w in key for w in SECRET_WORDS)
                shown = '"<redacted>"' if secret else _literal(value.value)
                lines.append(f"{key} = {shown}  # {value.source}")
        return "\n".join(lines)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _show(option: Option, value: Any) -> str:
    if value is None:
        return "(unset)"
    if option.name == "database_url":
        url = make_url(str(value))
        # A password can also hide in the query string (?password=...).
        query = {k: "***" if "pass" in k.lower() else v for k, v in url.query.items()}
        return _literal(url.set(query=query).render_as_string(hide_password=True))
    if option.secret:
        return '"<redacted>"'
    return _literal(value)


def _convert(option: Option, raw: Any, source: str) -> Any:
    where = f"{option.name} (from {source})"
    if option.kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {raw!r}")
    if option.kind in (int, float):
        if isinstance(raw, bool):
            raise ConfigError(f"{where}: expected a number, got {raw!r}")
        try:
            number = option.kind(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {raw!r}") from None
        if not math.isfinite(number):
            raise ConfigError(f"{where}: expected a finite number, got {raw!r}")
        if number < 0 or (number == 0 and option.name in POSITIVE):
            rule = "be above zero" if option.name in POSITIVE else "not be negative"
            raise ConfigError(f"{where}: must {rule}, got {raw!r}")
        return number
    if not isinstance(raw, str):
        raise ConfigError(f"{where}: expected a string, got {raw!r}")
    allowed = CHOICES.get(option.name)
    if allowed and raw not in allowed:
        raise ConfigError(f"{where}: expected one of {', '.join(allowed)}, got {raw!r}")
    if option.name == "database_url":
        try:
            make_url(raw)
        except ArgumentError:
            raise ConfigError(f"{where}: not a database URL (dialect+driver://...)") from None
    return raw


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _file_value(raw: Any, key: str, environ: Mapping[str, str], path: Path) -> tuple[Any, str]:
    """A file value, following ``{ env = "VAR" }`` to the environment."""
    if isinstance(raw, dict):
        if set(raw) != {"env"} or not isinstance(raw["env"], str):
            raise ConfigError(f'{key} (from {path}): a table value must be {{ env = "VAR" }}')
        variable = raw["env"]
        if variable not in environ:
            raise ConfigError(f"{key} (from {path}): environment variable {variable} is not set")
        return environ[variable], f"env {variable} via {path}"
    return raw, str(path)


def load(
    flags: argparse.Namespace, environ: Mapping[str, str], config_file: Path | None = None
) -> Config:
    """The effective configuration: flags, then environment, then file, then defaults."""
    path = config_file if config_file is not None else getattr(flags, "config", None)
    file = _read_file(path) if path is not None else {}
    # `plugins` is both the option (a string) and the [plugins.<name>] tables.
    file_plugins = file.pop("plugins") if isinstance(file.get("plugins"), dict) else {}
    unknown = sorted(set(file) - BY_NAME.keys())
    if unknown:
        raise ConfigError(f"unknown option(s) in {path}: {', '.join(unknown)}")
    values: dict[str, Value] = {}
    for option in OPTIONS:
        flag = getattr(flags, option.name, None)
        if flag is not None:
            values[option.name] = Value(_convert(option, flag, option.flag), option.flag)
        elif option.env in environ:
            raw = environ[option.env]
            values[option.name] = Value(
                _convert(option, raw, f"env {option.env}"), f"env {option.env}"
            )
        elif option.name in file:
            assert path is not None
            raw, source = _file_value(file[option.name], option.name, environ, path)
            values[option.name] = Value(_convert(option, raw, source), source)
        else:
            values[option.name] = Value(option.default, "default")
    if values["tls_key"].value is not None and values["tls_cert"].value is None:
        raise ConfigError("tls_key is set but tls_cert is not: give both")
    if values["tls_cert"].value is not None and values["tls_key"].value is None:
        raise ConfigError("tls_cert is set but tls_key is not: give both")
    if values["tls_client_ca"].value is not None and values["tls_cert"].value is None:
        raise ConfigError("tls_client_ca needs tls_cert and tls_key: mutual TLS is TLS first")
    if values["workers"].value > 1 and values["metrics_listen"].value is not None:
        raise ConfigError(
            "metrics_listen cannot be used with workers above 1: each worker has metrics of "
            "its own and they cannot share a port; run replicas of one worker each instead"
        )
    return Config(values, _plugin_values(file_plugins, environ, path))


def _plugin_values(
    file_plugins: Any, environ: Mapping[str, str], path: Path | None
) -> dict[str, dict[str, Value]]:
    plugins: dict[str, dict[str, Value]] = {}
    if not isinstance(file_plugins, dict):
        raise ConfigError(f"plugins (from {path}): expected [plugins.<name>] tables")
    for plugin, table in file_plugins.items():
        if not isinstance(table, dict):
            raise ConfigError(f"plugins.{plugin} (from {path}): expected a table")
        for key, raw in table.items():
            assert path is not None
            value, source = _file_value(raw, f"plugins.{plugin}.{key}", environ, path)
            if isinstance(value, bool):
                value = "true" if value else "false"
            plugins.setdefault(plugin, {})[key.lower()] = Value(value, source)
    for name, raw in environ.items():
        if name.startswith("CRM_") and "__" in name:
            plugin, key = name[len("CRM_") :].split("__", 1)
            plugins.setdefault(plugin.lower(), {})[key.lower()] = Value(raw, f"env {name}")
    return plugins
