"""The accounts plugin's migrations: upgrade, offline SQL, and agreement with its models."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import pytest
import sqlalchemy

from crm_host.testing import check_schema

from .accounts_client import CHEAP_ACCOUNTS_ENV, query


def run_crm_host(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_host", *args, "--plugins", "accounts"],
        env={**os.environ, **CHEAP_ACCOUNTS_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


POSTGRESQL_ONLY = pytest.mark.parametrize("crm_database_url", ["postgresql"], indirect=True)


def test_migrate_upgrades_an_empty_database_to_a_schema_matching_the_models(
    crm_database_url: str,
) -> None:
    result = run_crm_host("migrate", "--database-url", crm_database_url)
    assert result.returncode == 0, result.stderr
    schema = check_schema("accounts", crm_database_url)
    assert query(crm_database_url, "SELECT version_num FROM alembic_version_accounts") == [
        (schema.head,)
    ]
    assert schema.current == schema.head
    assert schema.differences == []
    # Autogenerate does not compare CHECK constraints; their names must match too.
    engine = sqlalchemy.create_engine(crm_database_url)
    checks = sqlalchemy.inspect(engine).get_check_constraints("accounts")
    assert [check["name"] for check in checks] == ["ck_accounts_state"]
    engine.dispose()

    again = run_crm_host("migrate", "--database-url", crm_database_url)
    assert again.returncode == 0, again.stderr
    assert "upgrading" not in again.stderr


def test_migrate_sql_prints_the_sql_without_running_it(crm_database_url: str) -> None:
    result = run_crm_host("migrate", "--sql", "--database-url", crm_database_url)
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE accounts (" in result.stdout
    assert "CREATE TABLE alembic_version_accounts" in result.stdout
    engine = sqlalchemy.create_engine(crm_database_url)
    assert "accounts" not in sqlalchemy.inspect(engine).get_table_names()
    engine.dispose()


@POSTGRESQL_ONLY
def test_serve_refuses_an_outdated_postgresql_schema_unless_told_to_migrate(
    crm_database_url: str,
) -> None:
    refused = run_crm_host("serve", "--listen", "127.0.0.1:0", "--database-url", crm_database_url)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "crm-host: error: built-in plugin 'host.kit' needs a schema migration (database at no "
        "revision, plugin at 0001); built-in plugin 'host.events' needs a schema migration "
        "(database at no revision, plugin at 0001); plugin 'accounts' (crm-accounts "
        f"{version('crm-accounts')}) "
        "needs a schema migration (database at no revision, plugin at 0005): run `crm-host "
        "migrate` or start with --migrate"
    )
    assert "listening" not in refused.stderr

    migrated = run_crm_host("migrate", "--database-url", crm_database_url)
    assert migrated.returncode == 0, migrated.stderr
    schema = check_schema("accounts", crm_database_url)
    assert schema.head is not None
    assert schema.current == schema.head
