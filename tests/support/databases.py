"""Test databases: SQLite files, and throw-away schemas on the shared PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

POSTGRESQL_URL = os.environ.get("CRM_TEST_DATABASE_URL", "")

ENGINES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRESQL_URL, reason="CRM_TEST_DATABASE_URL is not set"),
    ),
]


@contextlib.contextmanager
def postgresql_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema, dropped afterwards.

    Each test gets its own schema, so runs and tests never see each other's rows.
    """
    admin = sqlalchemy.create_engine(POSTGRESQL_URL)
    schema = f"crm_test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(POSTGRESQL_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def query(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from the database, bypassing the host."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql), params)]
    finally:
        engine.dispose()
