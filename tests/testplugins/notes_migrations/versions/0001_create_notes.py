"""Create the notes_notes and notes_authors tables.

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


def upgrade() -> None:
    op.create_table(
        "notes_notes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notes_notes"),
        sa.UniqueConstraint("request_id", name="uq_notes_notes_request_id"),
    )
    op.create_table(
        "notes_authors",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_notes_authors"),
    )


def downgrade() -> None:
    op.drop_table("notes_authors")
    op.drop_table("notes_notes")
