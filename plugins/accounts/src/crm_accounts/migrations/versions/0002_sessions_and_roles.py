"""Sessions, login failure counters, and account roles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("roles", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "accounts_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("expire_time", sa.DateTime(), nullable=False),
        sa.Column("last_used_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_accounts_sessions_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_accounts_sessions_token_hash"),
    )
    op.create_index("ix_accounts_sessions_account_id", "accounts_sessions", ["account_id"])
    op.create_table(
        "accounts_login_failures",
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_time", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_accounts_login_failures"),
    )


def downgrade() -> None:
    op.drop_table("accounts_login_failures")
    op.drop_index("ix_accounts_sessions_account_id", table_name="accounts_sessions")
    op.drop_table("accounts_sessions")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("roles")
