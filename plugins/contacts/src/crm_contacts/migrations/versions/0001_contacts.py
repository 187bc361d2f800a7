"""Companies, people, affiliations, and the indexes SearchPeople reads.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The search indexes depend on the engine: on SQLite, FTS5 tables with the
trigram tokenizer, which triggers keep in step with their tables; on
PostgreSQL, trigram GIN indexes, which need the pg_trgm extension (created
here if missing: trusted since PostgreSQL 13, so the database owner may).
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LIVE = sa.text("delete_time IS NULL")

# (table, FTS table, indexed column)
SEARCHED = (
    ("contacts_people", "contacts_people_fts", "search_text"),
    ("contacts_companies", "contacts_companies_fts", "name_folded"),
)


def _times(soft: bool) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
    ]
    if soft:
        columns += [
            sa.Column("delete_time", sa.DateTime(), nullable=True),
            sa.Column("expire_time", sa.DateTime(), nullable=True),
        ]
    return columns


def _indexes(table: str, columns: dict[str, list[str]], live_unique: str = "") -> None:
    """``ix_<table>_<name>`` on each list of columns; ``uq_<table>_<column>_live`` if asked."""
    for name, indexed in columns.items():
        op.create_index(f"ix_{table}_{name}", table, indexed)
    if live_unique:
        op.create_index(
            f"uq_{table}_{live_unique}_live",
            table,
            [live_unique],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def _sqlite_search() -> None:
    # Every name in these statements is one of SEARCHED's constants.
    for source, fts, column in SEARCHED:
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, tokenize='trigram')")
        op.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN "  # noqa: S608
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.seq, new.{column}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {source} BEGIN "  # noqa: S608
            f"DELETE FROM {fts} WHERE rowid = old.seq; "
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.seq, new.{column}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN "  # noqa: S608
            f"DELETE FROM {fts} WHERE rowid = old.seq; END"
        )


def _postgresql_search() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The operator class lives in the extension's schema, which need not be on
    # the search path of every connection.
    schema = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
        )
        .scalar_one()
    )
    operator_class = f'"{schema}".gin_trgm_ops'
    for source, _fts, column in SEARCHED:
        op.create_index(
            f"ix_{source}_{column}_trgm",
            source,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: operator_class},
        )


def upgrade() -> None:
    op.create_table(
        "contacts_companies",
        sa.Column("seq", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(253), nullable=True),
        sa.Column("website", sa.String(2048), nullable=False),
        sa.Column("industry", sa.String(200), nullable=False),
        sa.Column("employee_count", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("owner_id", sa.String(36), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=True),
        *_times(soft=True),
        sa.PrimaryKeyConstraint("seq", name="pk_contacts_companies"),
        sa.UniqueConstraint("id", name="uq_contacts_companies_id"),
    )
    _indexes(
        "contacts_companies",
        {
            "name_folded_id": ["name_folded", "id"],
            "employee_count_id": ["employee_count", "id"],
            "create_time_id": ["create_time", "id"],
            "update_time_id": ["update_time", "id"],
            "owner_id": ["owner_id"],
            "expire_time": ["expire_time"],
        },
        live_unique="domain",
    )

    op.create_table(
        "contacts_people",
        sa.Column("seq", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("given_name", sa.String(200), nullable=False),
        sa.Column("family_name", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(401), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("given_name_folded", sa.Text(), nullable=False),
        sa.Column("family_name_folded", sa.Text(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=True),
        sa.Column("primary_email", sa.Text(), nullable=True),
        sa.Column("email_keys", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=True),
        sa.Column("job_title", sa.String(200), nullable=False),
        sa.Column("primary_company_id", sa.String(36), nullable=True),
        sa.Column("owner_id", sa.String(36), nullable=True),
        sa.Column("do_not_contact", sa.Boolean(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=True),
        *_times(soft=True),
        sa.PrimaryKeyConstraint("seq", name="pk_contacts_people"),
        sa.UniqueConstraint("id", name="uq_contacts_people_id"),
    )
    _indexes(
        "contacts_people",
        {
            "name_folded_id": ["name_folded", "id"],
            "family_name_folded_create_time_id": ["family_name_folded", "create_time", "id"],
            "create_time_id": ["create_time", "id"],
            "update_time_id": ["update_time", "id"],
            "primary_company_id": ["primary_company_id"],
            "owner_id": ["owner_id"],
            "expire_time": ["expire_time"],
        },
        live_unique="primary_email",
    )

    op.create_table(
        "contacts_affiliations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("company_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.JSON(), nullable=True),
        sa.Column("end_date", sa.JSON(), nullable=True),
        *_times(soft=False),
        sa.PrimaryKeyConstraint("id", name="pk_contacts_affiliations"),
    )
    _indexes(
        "contacts_affiliations",
        {
            "create_time_id": ["create_time", "id"],
            "update_time_id": ["update_time", "id"],
            "person_id": ["person_id"],
            "company_id": ["company_id"],
        },
    )

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search()
    else:
        _postgresql_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for _source, fts, _column in SEARCHED:
            # Dropping the FTS table drops nothing else; the triggers go with their tables.
            op.execute(f"DROP TABLE {fts}")
    op.drop_table("contacts_affiliations")
    op.drop_table("contacts_people")
    op.drop_table("contacts_companies")
