"""Indexes for purging expired sessions and stale login-failure counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_accounts_sessions_expire_time", "accounts_sessions", ["expire_time"])
    op.create_index(
        "ix_accounts_login_failures_last_failure_time",
        "accounts_login_failures",
        ["last_failure_time"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_accounts_login_failures_last_failure_time", table_name="accounts_login_failures"
    )
    op.drop_index("ix_accounts_sessions_expire_time", table_name="accounts_sessions")
