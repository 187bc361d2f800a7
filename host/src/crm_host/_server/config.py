"""The host's configuration: one declaration of every option, where values come from, checks.

:class:`HostSettings` declares every option once, as a pydantic field with its
default, help text and constraints; the command-line flags, the ``CRM_*``
environment variables, docs/configuration.md's table (a test keeps it in
step) and ``crm-host config`` are all derived from it.

Precedence, highest first: command-line flags, environment variables, the
TOML file given with ``--config``, defaults. Plugin settings live in
``[plugins.<name>]`` tables of the file, in ``CRM_<PLUGIN>__<KEY>``
variables and in ``--set <plugin>.<key>=<value>`` flags (in that order of
precedence, lowest first); a value ``{ env = "VAR" }`` in the file is read
from the environment, so secrets need not be written down. Each plugin
declares the type of its settings (crm_host.PluginSettings), and they are
validated before anything starts.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crm_host._server.proxies import IPNetwork
from crm_host._server.store import DEFAULT_DATABASE_URL
from crm_host.settings import PluginSettings


class ConfigError(Exception):
    """Invalid configuration; ``str()`` names the key and where it came from."""


def _option(default: Any, help: str, *, secret: bool = False, **constraints: Any) -> Any:
    """A field that is a configuration option: a flag, a variable, a file key, a docs row."""
    return Field(
        default,
        description=help,
        json_schema_extra={"option": True, "secret": secret},
        **constraints,
    )


KIB = 1024
MIB = 1024 * KIB


# What a browser sends as Origin: a scheme, a host and maybe a port.
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s,]+", re.IGNORECASE)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class HostSettings(BaseModel):
    """What a host runs with. Every field marked as an option is configurable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, arbitrary_types_allowed=True
    )

    listen: str = _option("[::]:50051", "address to serve gRPC on")
    workers: int = _option(1, "server processes sharing the listen port (SO_REUSEPORT)", gt=0)
    database_url: str = _option(DEFAULT_DATABASE_URL, "SQLAlchemy database URL", secret=True)
    plugins: str | None = _option(None, "comma-separated plugins to load (default: all installed)")
    migrate: bool | None = _option(
        None, "upgrade plugin schemas on start (default: only for SQLite)"
    )
    grace: float = _option(10.0, "seconds in-flight calls get to finish on SIGTERM", ge=0)
    drain_delay: float = _option(
        0.0, "seconds to report NOT_SERVING before stopping on SIGTERM", ge=0
    )
    tls_cert: str | None = _option(None, "PEM certificate chain: serve TLS instead of plaintext")
    tls_key: str | None = _option(None, "PEM private key of --tls-cert", secret=True)
    tls_client_ca: str | None = _option(
        None, "PEM CA bundle: require client certificates (mutual TLS)"
    )
    health_listen: str | None = _option(
        None, "address of a plaintext listener serving only grpc.health.v1 (for probes)"
    )
    max_receive_message_bytes: int = _option(64 * KIB, "largest request message", gt=0)
    max_metadata_bytes: int = _option(16 * KIB, "largest request metadata (headers)", gt=0)
    max_field_bytes: int = _option(
        4 * KIB,
        "largest string or bytes field of a request, unless a method declares another",
        gt=0,
    )
    max_concurrent_streams: int = _option(1000, "concurrent calls per HTTP/2 connection", gt=0)
    keepalive_time_seconds: float = _option(
        7200.0, "idle time before the server pings a client", ge=0
    )
    keepalive_timeout_seconds: float = _option(20.0, "how long a ping may go unanswered", ge=0)
    keepalive_min_ping_interval_seconds: float = _option(
        300.0, "clients pinging more often than this (without calls) are disconnected", ge=0
    )
    max_connection_age_seconds: float = _option(300.0, "close connections after this long", ge=0)
    max_connection_age_grace_seconds: float = _option(
        30.0, "calls' grace on a connection being closed", ge=0
    )
    default_deadline_seconds: float = _option(
        30.0, "deadline of async unary calls whose client set none (0: none)", ge=0
    )
    receive_timeout_seconds: float = _option(
        10.0,
        "how long the request of a unary call may take to arrive in full (0: no limit)",
        ge=0,
    )
    health_check_interval_seconds: float = _option(
        0.5, "how often readiness checks the database", gt=0
    )
    purge_interval_seconds: float = _option(
        60.0,
        "how often expired soft-deleted resources, old request ids and old events are purged"
        " (0: never)",
        ge=0,
    )
    events_poll_interval_seconds: float = _option(
        1.0, "how often each replica looks for new events without a wake-up", gt=0
    )
    events_heartbeat_seconds: float = _option(
        15.0, "how long a Watch stream may stay silent before a heartbeat", gt=0
    )
    events_retention_seconds: float = _option(
        7 * 24 * 3600.0, "how long events are kept for Watch replays and late handlers", gt=0
    )
    events_handler_attempts: int = _option(
        5, "failures of an event handler on one event before it is dead-lettered", gt=0
    )
    events_handler_backoff_seconds: float = _option(
        1.0, "wait before an event handler's first retry; it doubles each time", ge=0
    )
    events_url: str | None = _option(
        None, "relay every event to this NATS JetStream server (nats://host:4222)", secret=True
    )
    events_stream: str = _option(
        "CRM_EVENTS", "the JetStream stream events are relayed to (created when missing)"
    )
    events_subject_prefix: str = _option(
        "crm", "the first token of relayed events' subjects: <prefix>.<plugin>.<resource>.<verb>"
    )
    events_duplicate_window_seconds: float = _option(
        3600.0, "how long JetStream drops a relayed event's repeat (by its id)", gt=0
    )
    events_handler_timeout_seconds: float = _option(
        30.0, "how long an event handler may take over one event before it counts as failed", gt=0
    )
    hook_timeout_seconds: float = _option(
        30.0, "how long each plugin's startup or shutdown hook may take (0: no limit)", ge=0
    )
    log_format: Literal["text", "json"] = _option("text", "log line format: text or json")
    tracing: bool = _option(
        False, "trace calls with OpenTelemetry (needs crm-host[tracing]; async handlers only)"
    )
    metrics_listen: str | None = _option(None, "address to serve Prometheus metrics on (HTTP)")
    http_listen: str | None = _option(
        None, "address to serve Connect and gRPC-Web on (HTTP/1.1, for browsers and curl)"
    )
    http_max_connections: int = _option(
        1000, "open connections the HTTP listener serves at once; beyond, requests get 503", gt=0
    )
    http_cors_origins: str | None = _option(
        None, "comma-separated origins browsers may call the HTTP listener from (* for any)"
    )
    trusted_proxies: str | None = _option(
        None,
        "comma-separated networks (CIDR) of proxies whose X-Forwarded-For or Forwarded "
        "header names the client",
    )

    # Not options: how the host is embedded.
    # Plugin settings as configured, by plugin and key, each a Value (with its
    # source) or a plain value; each plugin validates its own (PluginSettings).
    plugin_settings: Mapping[str, Mapping[str, Any]] = Field(default_factory=dict)
    # Threads that run plain (non-async) handlers.
    sync_workers: int = Field(default_factory=lambda: min(32, (os.cpu_count() or 1) + 4), gt=0)
    # Share the port with the other processes of `serve --workers N` (SO_REUSEPORT);
    # otherwise a second host on a taken port would silently share it.
    reuse_port: bool = False

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (dialect+driver://...)") from None
        return value

    @field_validator("http_cors_origins")
    @classmethod
    def _origins(cls, value: str | None) -> str | None:
        if value is not None:
            for origin in _items(value):
                if origin != "*" and not _ORIGIN.fullmatch(origin):
                    raise ValueError(
                        f"{origin!r} is not an origin (scheme://host[:port], nothing after)"
                    )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str | None) -> str | None:
        if value is not None:
            for network in _items(value):
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError:
                    raise ValueError(f"{network!r} is not an IP network (CIDR)") from None
        return value

    @property
    def cors_origins(self) -> frozenset[str]:
        return frozenset(_items(self.http_cors_origins or ""))

    @property
    def trusted_networks(self) -> tuple[IPNetwork, ...]:
        return tuple(
            ipaddress.ip_network(item, strict=False) for item in _items(self.trusted_proxies or "")
        )

    @field_validator("events_url")
    @classmethod
    def _events_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("nats://", "tls://")):
            raise ValueError("not a NATS URL (nats://host:port or tls://host:port)")
        return value

    @field_validator("events_stream")
    @classmethod
    def _events_stream(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
            raise ValueError("must be 1 to 64 letters, digits, - or _")
        return value

    @field_validator("events_subject_prefix")
    @classmethod
    def _events_subject_prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}(\.[A-Za-z0-9_-]{1,32}){0,3}", value):
            raise ValueError("must be NATS subject tokens (letters, digits, - or _) joined by dots")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> HostSettings:
        if self.tls_key is not None and self.tls_cert is None:
            raise ValueError("tls_key is set but tls_cert is not: give both")
        if self.tls_cert is not None and self.tls_key is None:
            raise ValueError("tls_cert is set but tls_key is not: give both")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("tls_client_ca needs tls_cert and tls_key: mutual TLS is TLS first")
        if self.workers > 1 and self.metrics_listen is not None:
            raise ValueError(
                "metrics_listen cannot be used with workers above 1: each worker has metrics "
                "of its own and they cannot share a port; run replicas of one worker each instead"
            )
        if self.workers > 1 and self.http_listen is not None:
            raise ValueError(
                "http_listen cannot be used with workers above 1 yet; run replicas of one "
                "worker each instead"
            )
        return self

    def server_options(self) -> list[tuple[str, int]]:
        """grpc core channel arguments for these limits."""
        ms = 1000
        return [
            ("grpc.so_reuseport", int(self.reuse_port)),
            ("grpc.max_receive_message_length", self.max_receive_message_bytes),
            ("grpc.max_metadata_size", self.max_metadata_bytes),
            ("grpc.absolute_max_metadata_size", self.max_metadata_bytes),
            ("grpc.max_concurrent_streams", self.max_concurrent_streams),
            # By default grpc counts a stream against max_concurrent_streams
            # until the call is freed, which here is a moment after its last
            # frame: a client that opens a new stream as one ends, as it may,
            # gets it refused (REFUSED_STREAM, UNAVAILABLE to the caller). Off,
            # only streams open on the connection count, as HTTP/2 says.
            ("grpc.http.overload_protection", 0),
            ("grpc.keepalive_time_ms", int(self.keepalive_time_seconds * ms)),
            ("grpc.keepalive_timeout_ms", int(self.keepalive_timeout_seconds * ms)),
            (
                "grpc.http2.min_ping_interval_without_data_ms",
                int(self.keepalive_min_ping_interval_seconds * ms),
            ),
            ("grpc.max_connection_age_ms", int(self.max_connection_age_seconds * ms)),
            ("grpc.max_connection_age_grace_ms", int(self.max_connection_age_grace_seconds * ms)),
        ]


@dataclass(frozen=True)
class Option:
    """One configuration option, as derived from its HostSettings field."""

    name: str
    kind: type
    default: Any
    help: str
    # Shown redacted by `crm-host config`.
    secret: bool

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "CRM_" + self.name.upper()


def _scalar(annotation: Any) -> type:
    """``int`` for ``int``, ``str`` for ``str | None`` and for a Literal of strings."""
    if get_origin(annotation) in (Union, UnionType):
        [annotation] = [arg for arg in get_args(annotation) if arg is not NoneType]
    if get_origin(annotation) is Literal:
        return str
    assert isinstance(annotation, type)
    return annotation


def _options() -> tuple[Option, ...]:
    options = []
    for name, info in HostSettings.model_fields.items():
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or not extra.get("option"):
            continue
        options.append(
            Option(
                name,
                _scalar(info.annotation),
                info.default,
                info.description or "",
                bool(extra.get("secret")),
            )
        )
    return tuple(options)


OPTIONS: tuple[Option, ...] = _options()
BY_NAME = MappingProxyType({option.name: option for option in OPTIONS})


def choices(option: Option) -> tuple[str, ...] | None:
    """The values a Literal option accepts."""
    annotation = HostSettings.model_fields[option.name].annotation
    if get_origin(annotation) is Literal:
        return tuple(str(arg) for arg in get_args(annotation))
    return None


@dataclass(frozen=True)
class Value:
    """A configured value and where it came from (a flag, a variable, a file)."""

    value: Any
    source: str


@dataclass(frozen=True)
class Config:
    """The effective configuration: the validated settings, and where each value came from."""

    settings: HostSettings
    sources: Mapping[str, str]

    def __getitem__(self, name: str) -> Any:
        return getattr(self.settings, name)


def _describe_problem(error: Mapping[str, Any]) -> str:
    """pydantic's message for one error, in the words this project's errors use."""
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in ("int_parsing", "float_parsing", "int_type", "float_type", "int_from_float"):
        return "expected a number"
    if kind == "finite_number":
        return "expected a finite number"
    if kind in ("bool_parsing", "bool_type"):
        return "expected true or false"
    if kind == "greater_than" and context.get("gt") == 0:
        return "must be above zero"
    if kind == "greater_than_equal" and context.get("ge") == 0:
        return "must not be negative"
    if kind == "literal_error":
        return f"expected one of {context.get('expected', '').replace(' or ', ', ')}".replace(
            "'", ""
        )
    if kind in ("string_type",):
        return "expected a string"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _shown_input(value: Any, secret: bool) -> str:
    if secret:
        return ""
    text = repr(value)
    return f", got {text if len(text) <= 80 else text[:77] + '...'}"


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _file_value(raw: Any, key: str, environ: Mapping[str, str], path: Path) -> Value:
    """A file value, following ``{ env = "VAR" }`` to the environment."""
    if isinstance(raw, dict):
        if set(raw) != {"env"} or not isinstance(raw["env"], str):
            raise ConfigError(f'{key} (from {path}): a table value must be {{ env = "VAR" }}')
        variable = raw["env"]
        if variable not in environ:
            raise ConfigError(f"{key} (from {path}): environment variable {variable} is not set")
        return Value(environ[variable], f"env {variable} via {path}")
    return Value(raw, str(path))


def load(
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    config_file: Path | None = None,
    plugin_flags: Iterable[str] = (),
) -> Config:
    """The effective configuration: flags, then environment, then file, then defaults.

    ``flags`` maps option names to the values given on the command line (None
    or absent: not given); ``plugin_flags`` are ``--set plugin.key=value``
    arguments.
    """
    file = _read_file(config_file) if config_file is not None else {}
    # `plugins` is both the option (a string) and the [plugins.<name>] tables.
    file_plugins = file.pop("plugins") if isinstance(file.get("plugins"), dict) else {}
    unknown = sorted(set(file) - BY_NAME.keys())
    if unknown:
        raise ConfigError(f"unknown option(s) in {config_file}: {', '.join(unknown)}")
    chosen: dict[str, Value] = {}
    for option in OPTIONS:
        flag = flags.get(option.name)
        if flag is not None:
            chosen[option.name] = Value(flag, option.flag)
        elif option.env in environ:
            chosen[option.name] = Value(environ[option.env], f"env {option.env}")
        elif option.name in file:
            assert config_file is not None
            chosen[option.name] = _file_value(file[option.name], option.name, environ, config_file)
    plugin_values = _plugin_values(file_plugins, environ, config_file, plugin_flags)
    try:
        settings = HostSettings.model_validate(
            {name: value.value for name, value in chosen.items()}
            | {"plugin_settings": plugin_values}
        )
    except ValidationError as invalid:
        raise ConfigError(_first_problem(invalid, chosen)) from None
    sources = {option.name: "default" for option in OPTIONS} | {
        name: value.source for name, value in chosen.items()
    }
    return Config(settings, sources)


def _first_problem(invalid: ValidationError, chosen: Mapping[str, Value]) -> str:
    error = invalid.errors()[0]
    if not error["loc"]:
        # A check across options: its message names them.
        return str(error["msg"]).removeprefix("Value error, ")
    name = str(error["loc"][0])
    value = chosen.get(name)
    source = value.source if value is not None else "default"
    secret = BY_NAME[name].secret if name in BY_NAME else False
    shown = "" if name == "database_url" else _shown_input(error.get("input"), secret)
    return f"{name} (from {source}): {_describe_problem(error)}{shown}"


def _plugin_values(
    file_plugins: Any,
    environ: Mapping[str, str],
    path: Path | None,
    plugin_flags: Iterable[str],
) -> dict[str, dict[str, Value]]:
    plugins: dict[str, dict[str, Value]] = {}
    if not isinstance(file_plugins, dict):
        raise ConfigError(f"plugins (from {path}): expected [plugins.<name>] tables")
    for plugin, table in file_plugins.items():
        if not isinstance(table, dict):
            raise ConfigError(f"plugins.{plugin} (from {path}): expected a table")
        for key, raw in table.items():
            assert path is not None
            value = _file_value(raw, f"plugins.{plugin}.{key}", environ, path)
            plugins.setdefault(plugin, {})[key.lower()] = value
    for name, raw in environ.items():
        if name.startswith("CRM_") and "__" in name:
            plugin, key = name[len("CRM_") :].split("__", 1)
            plugins.setdefault(plugin.lower(), {})[key.lower()] = Value(raw, f"env {name}")
    for argument in plugin_flags:
        target, equals, raw = argument.partition("=")
        plugin, dot, key = target.partition(".")
        if not (equals and dot and plugin and key):
            raise ConfigError(f"--set {argument}: expected PLUGIN.KEY=VALUE")
        plugins.setdefault(plugin.lower(), {})[key.lower()] = Value(raw, f"--set {target}")
    return plugins


def plugin_settings(
    model: type[PluginSettings],
    plugin: str,
    configured: Mapping[str, Any],
    environ: Mapping[str, str] = os.environ,
) -> PluginSettings:
    """``configured`` (a plugin's raw values, maybe :class:`Value`\\ s) validated as ``model``.

    Raises ConfigError naming the key and its source.
    """
    values = {
        key: value if isinstance(value, Value) else Value(value, "settings")
        for key, value in configured.items()
    }
    for name, info in model.model_fields.items():
        for variable in _extra_env(info):
            if name not in values and variable in environ:
                values[name] = Value(environ[variable], f"env {variable}")
    unknown = sorted(set(values) - model.model_fields.keys())
    if unknown:
        key = unknown[0]
        known = ", ".join(sorted(model.model_fields)) or "none"
        raise ConfigError(
            f"plugins.{plugin}.{key} (from {values[key].source}): unknown setting (known: {known})"
        )
    try:
        return model.model_validate({key: value.value for key, value in values.items()})
    except ValidationError as invalid:
        error = invalid.errors()[0]
        if not error["loc"]:
            raise ConfigError(
                f"plugins.{plugin}: {str(error['msg']).removeprefix('Value error, ')}"
            ) from None
        key = str(error["loc"][0])
        source = values[key].source if key in values else "default"
        secret = _is_secret(model.model_fields.get(key))
        raise ConfigError(
            f"plugins.{plugin}.{key} (from {source}): {_describe_problem(error)}"
            f"{_shown_input(error.get('input'), secret)}"
        ) from None


def _extra_env(info: FieldInfo) -> list[str]:
    extra = info.json_schema_extra
    names = extra.get("env") if isinstance(extra, dict) else None
    if isinstance(names, str):
        return [names]
    return [str(name) for name in names] if isinstance(names, list) else []


def _is_secret(info: FieldInfo | None) -> bool:
    if info is None:
        return False
    annotation = info.annotation
    arguments = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return annotation is SecretStr or SecretStr in arguments


def plugin_sources(
    model: type[PluginSettings],
    configured: Mapping[str, Any],
    environ: Mapping[str, str] = os.environ,
) -> dict[str, str]:
    """Where each field of a plugin's settings came from."""
    sources = {}
    for name, info in model.model_fields.items():
        value = configured.get(name)
        if isinstance(value, Value):
            sources[name] = value.source
        elif value is not None:
            sources[name] = "settings"
        else:
            variable = next((v for v in _extra_env(info) if v in environ), None)
            sources[name] = f"env {variable}" if variable else "default"
    return sources


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple | frozenset | set):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shown_option(option: Option, value: Any) -> str:
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


def render(config: Config, plugins: Mapping[str, tuple[PluginSettings, Mapping[str, str]]]) -> str:
    """TOML-like text of every value and its source, secrets redacted.

    ``plugins`` maps each loaded plugin to its validated settings and their sources.
    """
    lines = []
    for option in OPTIONS:
        value = getattr(config.settings, option.name)
        lines.append(
            f"{option.name} = {_shown_option(option, value)}  # {config.sources[option.name]}"
        )
    for plugin, (settings, sources) in sorted(plugins.items()):
        lines.append(f"\n[plugins.{plugin}]")
        for key, info in type(settings).model_fields.items():
            value = getattr(settings, key)
            if _is_secret(info):
                shown = '"<redacted>"' if value is not None else "(unset)"
            elif value is None:
                shown = "(unset)"
            else:
                shown = _literal(value)
            lines.append(f"{key} = {shown}  # {sources[key]}")
    return "\n".join(lines)
