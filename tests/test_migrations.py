"""Per-plugin Alembic migrations: upgrade, offline SQL, and agreement with the models."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
import sqlalchemy

import crm_accounts.plugin
from crm_host._server.config import HostSettings
from crm_host._server.lifecycle import Host
from crm_host._server.migrations import PluginSchema
from crm_host._server.plugins import PluginManager
from support.databases import POSTGRESQL_URL, postgresql_schema, query
from support.hosts import CHEAP_ACCOUNTS_ENV


def crm_host(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args, "--plugins", "accounts"],
        env={**os.environ, **CHEAP_ACCOUNTS_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def accounts_schema(url: str) -> tuple[PluginSchema, sqlalchemy.Engine]:
    manager = PluginManager()
    manager.register(crm_accounts.plugin, "accounts")
    host = Host(manager, HostSettings(database_url=url))
    [schema] = asyncio.run(host.schemas())
    return schema, host.engine


def test_migrate_upgrades_an_empty_database_to_a_schema_matching_the_models(
    database_url: str,
) -> None:
    result = crm_host("migrate", "--database-url", database_url)
    assert result.returncode == 0, result.stderr
    schema, engine = accounts_schema(database_url)
    assert query(database_url, "SELECT version_num FROM alembic_version_accounts") == [
        (schema.head(),)
    ]
    with engine.connect() as connection:
        assert schema.differences(connection) == []
    # Autogenerate does not compare CHECK constraints; their names must match too.
    checks = sqlalchemy.inspect(engine).get_check_constraints("accounts")
    assert [check["name"] for check in checks] == ["ck_accounts_state"]
    engine.dispose()

    again = crm_host("migrate", "--database-url", database_url)
    assert again.returncode == 0, again.stderr
    assert "upgrading" not in again.stderr


def test_migrate_sql_prints_the_sql_without_running_it(database_url: str) -> None:
    result = crm_host("migrate", "--sql", "--database-url", database_url)
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE accounts (" in result.stdout
    assert "CREATE TABLE alembic_version_accounts" in result.stdout
    engine = sqlalchemy.create_engine(database_url)
    assert "accounts" not in sqlalchemy.inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.skipif(not POSTGRESQL_URL, reason="CRM_TEST_DATABASE_URL is not set")
def test_serve_refuses_an_outdated_postgresql_schema_unless_told_to_migrate() -> None:
    with postgresql_schema() as url:
        refused = crm_host("serve", "--listen", "127.0.0.1:0", "--database-url", url)
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines()[-1] == (
            "crm-host: error: plugin 'accounts' (crm-accounts 0.1.0) needs a schema migration "
            "(database at no revision, plugin at 0004): run `crm-host migrate` or start with "
            "--migrate"
        )
        assert "listening" not in refused.stderr

        migrated = crm_host("migrate", "--database-url", url)
        assert migrated.returncode == 0, migrated.stderr
        schema, engine = accounts_schema(url)
        with engine.connect() as connection:
            assert schema.current(connection) == schema.head()
        engine.dispose()
