"""The kit's tables: host secrets and answered request ids.

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
        "crm_host_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_crm_host_secrets"),
    )
    op.create_table(
        "crm_host_requests",
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "request_id", name="pk_crm_host_requests"),
    )
    op.create_index("ix_crm_host_requests_create_time", "crm_host_requests", ["create_time"])


def downgrade() -> None:
    op.drop_index("ix_crm_host_requests_create_time", table_name="crm_host_requests")
    op.drop_table("crm_host_requests")
    op.drop_table("crm_host_secrets")
