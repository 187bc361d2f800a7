"""The event tables: the outbox, handler progress and dead letters.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNNUMBERED = sa.text("sequence IS NULL")


def upgrade() -> None:
    op.create_table(
        "crm_events",
        sa.Column("row_id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("data_type", sa.String(200), nullable=False),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("row_id", name="pk_crm_events"),
        sa.UniqueConstraint("id", name="uq_crm_events_id"),
    )
    op.create_index("ix_crm_events_sequence", "crm_events", ["sequence"], unique=True)
    op.create_index("ix_crm_events_time", "crm_events", ["time"])
    op.create_index(
        "ix_crm_events_unnumbered",
        "crm_events",
        ["row_id"],
        sqlite_where=UNNUMBERED,
        postgresql_where=UNNUMBERED,
    )
    op.create_table(
        "crm_event_handlers",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_time", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_crm_event_handlers"),
    )
    op.create_table(
        "crm_event_dead_letters",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("handler", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(200), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("retry", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crm_event_dead_letters"),
    )
    op.create_index(
        "ix_crm_event_dead_letters_handler", "crm_event_dead_letters", ["handler", "retry"]
    )


def downgrade() -> None:
    op.drop_table("crm_event_dead_letters")
    op.drop_table("crm_event_handlers")
    op.drop_index("ix_crm_events_unnumbered", table_name="crm_events")
    op.drop_index("ix_crm_events_time", table_name="crm_events")
    op.drop_index("ix_crm_events_sequence", table_name="crm_events")
    op.drop_table("crm_events")
