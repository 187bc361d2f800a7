"""Reading a test database directly, bypassing the host."""

from __future__ import annotations

from typing import Any

import sqlalchemy


def query(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from the database, bypassing the host."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql), params)]
    finally:
        engine.dispose()
