"""Configuration: precedence, plugin sections with secrets, errors, `crm-host config`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_host._server import config
from crm_host._server.lifecycle import HostSettings


def flags(*args: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    config.add_arguments(parser)
    return parser.parse_args(list(args))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_flags_beat_environment_beat_file_beat_defaults(tmp_path: Path) -> None:
    file = write(
        tmp_path / "crm.toml",
        'listen = "file:1"\ngrace = 3\ndrain_delay = 4\nlog_format = "json"\n',
    )
    environ = {"CRM_LISTEN": "env:2", "CRM_GRACE": "5"}
    effective = config.load(flags("--listen", "flag:3", "--config", str(file)), environ)
    assert effective["listen"] == "flag:3"
    assert effective["grace"] == 5.0
    assert effective["drain_delay"] == 4.0
    assert effective["max_concurrent_streams"] == 100
    assert effective.values["grace"].source == "env CRM_GRACE"
    settings = HostSettings.from_config(effective)
    assert (settings.listen, settings.grace, settings.drain_delay) == ("flag:3", 5.0, 4.0)


def test_plugin_sections_read_secrets_from_the_environment(tmp_path: Path) -> None:
    file = write(
        tmp_path / "crm.toml",
        "[plugins.accounts]\n"
        'argon2_profile = "owasp-minimum"\n'
        "allow_signup = false\n"
        'pepper = { env = "ACCOUNTS_PEPPER" }\n'
        "session_ttl_seconds = 60\n",
    )
    environ = {"ACCOUNTS_PEPPER": "s3cr3t", "CRM_ACCOUNTS__SESSION_TTL_SECONDS": "120"}
    effective = config.load(flags("--config", str(file)), environ)
    assert effective.plugin_settings() == {
        "accounts": {
            "argon2_profile": "owasp-minimum",
            "allow_signup": "false",
            "pepper": "s3cr3t",
            "session_ttl_seconds": "120",
        }
    }
    rendered = effective.render()
    assert "s3cr3t" not in rendered
    assert 'pepper = "<redacted>"  # env ACCOUNTS_PEPPER via' in rendered


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
    ],
)
def test_invalid_configuration_names_the_key(
    tmp_path: Path, args: list[str], environ: dict[str, str], text: str, message: str
) -> None:
    file = write(tmp_path / "crm.toml", text)
    with pytest.raises(config.ConfigError) as failure:
        config.load(flags(*args, "--config", str(file)), environ)
    assert str(failure.value) == message.format(file=file)


def test_serve_stops_before_listening_on_invalid_configuration(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_host", "serve", "--max-concurrent-streams", "many"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "crm-host: error: max_concurrent_streams (from --max-concurrent-streams): "
        "expected a number, got 'many'"
    )
    assert "listening" not in result.stderr


def test_config_command_prints_the_effective_configuration_redacted(tmp_path: Path) -> None:
    file = write(tmp_path / "crm.toml", 'grace = 7\n[plugins.accounts]\napi_token = "abc123"\n')
    result = subprocess.run(
        [sys.executable, "-m", "crm_host", "config", "--config", str(file), "--listen", ":1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("CRM_")},
            "CRM_DATABASE_URL": "postgresql+psycopg://crm:hunter2@db.internal/crm",
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
    ],
)
def test_unusable_numbers_and_urls_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(config.ConfigError) as failure:
        config.load(flags(), environ)
    assert str(failure.value) == message


def test_booleans_can_be_turned_off_on_the_command_line() -> None:
    assert config.load(flags("--no-migrate"), {"CRM_MIGRATE": "true"})["migrate"] is False
    assert config.load(flags(), {"CRM_MIGRATE": "true"})["migrate"] is True


def test_every_plugin_value_from_the_environment_is_redacted(tmp_path: Path) -> None:
    # `plugins` as the option (a string), while settings come from the environment.
    file = write(tmp_path / "c.toml", 'plugins = "mail"\n')
    environ = {"CRM_MAIL__SMTP_PASSWD": "pw1", "CRM_MAIL__HOST": "smtp.local"}
    effective = config.load(flags("--config", str(file)), environ)
    assert effective["plugins"] == "mail"
    assert effective.plugin_settings() == {"mail": {"smtp_passwd": "pw1", "host": "smtp.local"}}
    rendered = effective.render()
    assert "pw1" not in rendered
    assert "smtp.local" not in rendered


def test_the_default_deadline_is_an_option() -> None:
    effective = config.load(flags("--default-deadline-seconds", "5"), {})
    assert HostSettings.from_config(effective).default_deadline_seconds == 5.0
