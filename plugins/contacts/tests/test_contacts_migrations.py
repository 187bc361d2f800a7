"""The contacts plugin's migration: after accounts', matching the models, offline too."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crm_host.testing import StartHost, TestHost, check_schema


async def test_the_migrated_schema_matches_the_models(
    contacts_host: TestHost, crm_database_url: str
) -> None:
    schema = check_schema("contacts", crm_database_url)
    assert schema.current == schema.head
    assert schema.differences == []


def test_migrate_sql_writes_each_engines_search_index(crm_database_url: str) -> None:
    command = ["migrate", "--sql", "--plugins", "accounts,contacts"]
    result = subprocess.run(
        [sys.executable, "-m", "crm_host", *command, "--database-url", crm_database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Accounts' tables come first: contacts require accounts.
    assert result.stdout.index("CREATE TABLE accounts") < result.stdout.index(
        "CREATE TABLE contacts_companies"
    )
    if crm_database_url.startswith("sqlite"):
        assert "USING fts5(search_text, tokenize='trigram')" in result.stdout
    else:
        assert "USING gin (search_text gin_trgm_ops)" in result.stdout


async def test_contacts_cannot_start_without_accounts(crm_host: StartHost) -> None:
    # The host's own error type is private; its message is what an operator reads.
    with pytest.raises(Exception, match="requires plugin 'accounts', which is not loaded"):
        await crm_host("contacts")
