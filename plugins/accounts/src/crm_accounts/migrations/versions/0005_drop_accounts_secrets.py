"""Drop accounts_secrets: ListAccounts' page tokens are the resource kit's now.

The kit seals them with the host's key (crm_host_secrets). Page tokens
handed out before this revision are refused with PAGE_TOKEN_INVALID; a
client starts the listing again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("accounts_secrets")


def downgrade() -> None:
    # Empty: the old code makes a new key when it needs one.
    op.create_table(
        "accounts_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_accounts_secrets"),
    )
