"""Widgets and parts.

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

LIVE = sa.text("delete_time IS NULL")


def upgrade() -> None:
    op.create_table(
        "crmtest_widgets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("code", sa.String(50), nullable=True),
        sa.Column("color", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=True),
        sa.Column("owner_id", sa.String(36), nullable=True),
        sa.Column("due_time", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
        sa.Column("delete_time", sa.DateTime(), nullable=True),
        sa.Column("expire_time", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_crmtest_widgets"),
    )
    op.create_index("ix_crmtest_widgets_name_folded_id", "crmtest_widgets", ["name_folded", "id"])
    op.create_index("ix_crmtest_widgets_size_id", "crmtest_widgets", ["size", "id"])
    op.create_index("ix_crmtest_widgets_create_time_id", "crmtest_widgets", ["create_time", "id"])
    op.create_index(
        "uq_crmtest_widgets_code_live",
        "crmtest_widgets",
        ["code"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_table(
        "crmtest_parts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("widget_id", sa.String(36), nullable=True),
        sa.Column("spare_for_id", sa.String(36), nullable=True),
        sa.Column("keeper_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["widget_id"], ["crmtest_widgets.id"], name="fk_crmtest_parts_widget_id_crmtest_widgets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crmtest_parts"),
    )
    op.create_index("ix_crmtest_parts_create_time_id", "crmtest_parts", ["create_time", "id"])
    op.create_index("ix_crmtest_parts_widget_id", "crmtest_parts", ["widget_id"])
    op.create_index("ix_crmtest_parts_spare_for_id", "crmtest_parts", ["spare_for_id"])
    op.create_index("ix_crmtest_parts_keeper_id", "crmtest_parts", ["keeper_id"])


def downgrade() -> None:
    op.drop_table("crmtest_parts")
    op.drop_table("crmtest_widgets")
