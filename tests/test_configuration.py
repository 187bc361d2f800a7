"""Configuration: precedence, typed plugin settings with secrets, errors, `crm-host config`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from crm_host._server import cli, config
from support.distributions import install_plugin
from testplugins.mail import MailSettings

TESTS = Path(__file__).parent


def invocation(*args: str, environ: dict[str, str] | None = None) -> cli.Invocation:
    """What `crm-host serve ARGS` would be configured with, parsed by the real options."""
    captured: dict[str, Any] = {}

    @click.command()
    @cli.host_options
    def capture(**options: Any) -> None:
        captured.update(options)

    capture.main(list(args), standalone_mode=False)
    return cli.Invocation(captured, environ or {})


def load(*args: str, environ: dict[str, str] | None = None) -> config.Config:
    return invocation(*args, environ=environ).config


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_flags_beat_environment_beat_file_beat_defaults(tmp_path: Path) -> None:
    file = write(
        tmp_path / "crm.toml",
        'listen = "file:1"\ngrace = 3\ndrain_delay = 4\nlog_format = "json"\n',
    )
    environ = {"CRM_LISTEN": "env:2", "CRM_GRACE": "5"}
    effective = load("--listen", "flag:3", "--config", str(file), environ=environ)
    assert (effective["listen"], effective["grace"], effective["drain_delay"]) == (
        "flag:3",
        5.0,
        4.0,
    )
    assert effective["log_format"] == "json"
    assert effective["max_concurrent_streams"] == 1000
    assert effective.sources["listen"] == "--listen"
    assert effective.sources["grace"] == "env CRM_GRACE"
    assert effective.sources["drain_delay"] == str(file)
    assert effective.sources["max_concurrent_streams"] == "default"


def test_plugin_settings_come_from_file_environment_and_set_flags(tmp_path: Path) -> None:
    file = write(
        tmp_path / "crm.toml",
        "[plugins.mail]\n"
        'smtp_host = "relay.internal"\n'
        "smtp_port = 2525\n"
        'smtp_password = { env = "MAIL_PASSWORD" }\n'
        "use_tls = false\n",
    )
    environ = {"MAIL_PASSWORD": "s3cr3t", "CRM_MAIL__SMTP_PORT": "587"}
    effective = load("--config", str(file), "--set", "mail.use_tls=true", environ=environ)
    configured = effective.settings.plugin_settings["mail"]
    settings = config.plugin_settings(MailSettings, "mail", configured, environ)
    assert isinstance(settings, MailSettings)
    assert (settings.smtp_host, settings.smtp_port, settings.use_tls) == (
        "relay.internal",
        587,
        True,
    )
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "s3cr3t"
    sources = config.plugin_sources(MailSettings, configured, environ)
    assert sources == {
        "smtp_host": str(file),
        "smtp_port": "env CRM_MAIL__SMTP_PORT",
        "smtp_password": f"env MAIL_PASSWORD via {file}",
        "use_tls": "--set mail.use_tls",
    }
    rendered = config.render(effective, {"mail": (settings, sources)})
    assert "s3cr3t" not in rendered
    assert f'smtp_password = "<redacted>"  # env MAIL_PASSWORD via {file}' in rendered
    # Not secrets: shown as they are, even when they came from the environment.
    assert "smtp_port = 587  # env CRM_MAIL__SMTP_PORT" in rendered


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        (
            {"smtp_port": config.Value("many", "env CRM_MAIL__SMTP_PORT")},
            "plugins.mail.smtp_port (from env CRM_MAIL__SMTP_PORT): expected a number, got 'many'",
        ),
        (
            {"smtp_prot": config.Value("25", "--set mail.smtp_prot")},
            "plugins.mail.smtp_prot (from --set mail.smtp_prot): unknown setting "
            "(known: smtp_host, smtp_password, smtp_port, use_tls)",
        ),
        (
            {"smtp_password": config.Value(["x"], "/etc/crm.toml")},
            "plugins.mail.smtp_password (from /etc/crm.toml): expected a string",
        ),
    ],
)
def test_invalid_plugin_settings_name_the_key_and_never_echo_secrets(
    configured: dict[str, Any], message: str
) -> None:
    with pytest.raises(config.ConfigError) as failure:
        config.plugin_settings(MailSettings, "mail", configured, {})
    assert str(failure.value) == message


@pytest.mark.parametrize(
    ("args", "environ", "text", "message"),
    [
        (
            ["--max-concurrent-streams", "many"],
            {},
            "",
            "max_concurrent_streams (from --max-concurrent-streams): expected a number, got 'many'",
        ),
        (
            [],
            {"CRM_LOG_FORMAT": "xml"},
            "",
            "log_format (from env CRM_LOG_FORMAT): expected one of text, json, got 'xml'",
        ),
        ([], {}, "listne = 1\n", "unknown option(s) in {file}: listne"),
        (
            [],
            {},
            'database_url = { env = "NOPE" }\n',
            "database_url (from {file}): environment variable NOPE is not set",
        ),
        (["--tls-key", "k.pem"], {}, "", "tls_key is set but tls_cert is not: give both"),
        ([], {}, "grace = -1\n", "grace (from {file}): must not be negative, got -1"),
        (["--set", "mail"], {}, "", "--set mail: expected PLUGIN.KEY=VALUE"),
    ],
)
def test_invalid_configuration_names_the_key(
    tmp_path: Path, args: list[str], environ: dict[str, str], text: str, message: str
) -> None:
    file = write(tmp_path / "crm.toml", text)
    with pytest.raises(config.ConfigError) as failure:
        load(*args, "--config", str(file), environ=environ)
    assert str(failure.value) == message.format(file=file)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"CRM_KEEPALIVE_TIME_SECONDS": "inf"},
            "keepalive_time_seconds (from env CRM_KEEPALIVE_TIME_SECONDS): "
            "expected a finite number, got 'inf'",
        ),
        (
            {"CRM_HEALTH_CHECK_INTERVAL_SECONDS": "0"},
            "health_check_interval_seconds (from env CRM_HEALTH_CHECK_INTERVAL_SECONDS): "
            "must be above zero, got '0'",
        ),
        (
            {"CRM_DATABASE_URL": "not a url"},
            "database_url (from env CRM_DATABASE_URL): not a database URL (dialect+driver://...)",
        ),
        (
            {"CRM_TLS_KEY": "/secret/key.pem", "CRM_TLS_CERT": "c.pem", "CRM_GRACE": "x"},
            "grace (from env CRM_GRACE): expected a number, got 'x'",
        ),
    ],
)
def test_unusable_numbers_and_urls_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(config.ConfigError) as failure:
        load(environ=environ)
    assert str(failure.value) == message


def test_booleans_can_be_turned_off_on_the_command_line() -> None:
    assert load("--no-migrate", environ={"CRM_MIGRATE": "true"})["migrate"] is False
    assert load(environ={"CRM_MIGRATE": "true"})["migrate"] is True


def test_the_default_deadline_is_an_option() -> None:
    assert load("--default-deadline-seconds", "5").settings.default_deadline_seconds == 5.0


# -- over the command line, with a really installed plugin ----------------------------------


def run(*args: str, site: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`crm-host ARGS` with the mail plugin, and only it, of whatever is installed."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **inherited,
            "PYTHONPATH": os.pathsep.join([str(site), str(TESTS)]),
            "CRM_PLUGINS": "mail",
            **env,
        },
    )


@pytest.fixture
def mail_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    install_plugin(site, "crm-mail", "1.2", "mail", "from testplugins.mail import *\n")
    return site


def test_serve_stops_before_listening_on_invalid_configuration(mail_site: Path) -> None:
    result = run("serve", "--max-concurrent-streams", "many", site=mail_site, env={})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "crm-host: error: max_concurrent_streams (from --max-concurrent-streams): "
        "expected a number, got 'many'"
    )
    assert "listening" not in result.stderr


def test_config_validates_plugin_settings_as_serve_would(mail_site: Path) -> None:
    for command in ("config", "serve"):
        result = run(command, site=mail_site, env={"CRM_MAIL__SMTP_PORT": "0"})
        assert result.returncode == 1, command
        assert result.stderr.strip().splitlines()[-1] == (
            "crm-host: error: plugins.mail.smtp_port (from env CRM_MAIL__SMTP_PORT): "
            "Input should be greater than or equal to 1, got '0'"
        )


def test_config_command_prints_every_setting_with_its_source(mail_site: Path) -> None:
    file = write(mail_site / "crm.toml", 'grace = 7\n[plugins.mail]\nsmtp_password = "abc123"\n')
    result = run(
        "config",
        "--config",
        str(file),
        "--listen",
        ":1",
        "--set",
        "mail.smtp_host=relay.internal",
        site=mail_site,
        env={
            "CRM_DATABASE_URL": "postgresql+psycopg://crm:hunter2@db.internal/crm",
            "CRM_MAIL__SMTP_PORT": "2525",
        },
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert 'listen = ":1"  # --listen' in lines
    assert f"grace = 7.0  # {file}" in lines
    assert "drain_delay = 0.0  # default" in lines
    assert "hunter2" not in result.stdout
    assert "abc123" not in result.stdout
    assert any(line.startswith('database_url = "postgresql+psycopg://crm:***@') for line in lines)
    assert lines[lines.index("[plugins.mail]") :] == [
        "[plugins.mail]",
        'smtp_host = "relay.internal"  # --set mail.smtp_host',
        "smtp_port = 2525  # env CRM_MAIL__SMTP_PORT",
        f'smtp_password = "<redacted>"  # {file}',
        "use_tls = false  # default",
    ]
