"""Create the accounts and accounts_secrets tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_canonical", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_request_id", sa.String(36), nullable=True),
        sa.Column("create_request_digest", sa.String(64), nullable=True),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("email_canonical", name="uq_accounts_email_canonical"),
        sa.UniqueConstraint("create_request_id", name="uq_accounts_create_request_id"),
        # op.f: the name is final; the naming convention must not prefix it again.
        sa.CheckConstraint("state IN ('ACTIVE', 'DISABLED')", name=op.f("ck_accounts_state")),
    )
    op.create_index("ix_accounts_create_time_id", "accounts", ["create_time", "id"])
    op.create_index("ix_accounts_name_folded_id", "accounts", ["name_folded", "id"])
    op.create_table(
        "accounts_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_accounts_secrets"),
    )


def downgrade() -> None:
    op.drop_table("accounts_secrets")
    op.drop_index("ix_accounts_name_folded_id", table_name="accounts")
    op.drop_index("ix_accounts_create_time_id", table_name="accounts")
    op.drop_table("accounts")
