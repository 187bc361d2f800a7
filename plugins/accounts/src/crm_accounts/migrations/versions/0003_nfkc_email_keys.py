"""Email keys become NFKC plus casefold; addresses that collide are kept apart and reported.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

``accounts.email_canonical`` was NFC plus casefold, so a fullwidth
``admin@example.com`` was another address than the ASCII one. It becomes NFKC
plus casefold. When several accounts get one key, none is lost or changed
but for its key:

- an account whose key does not change keeps it (it was valid and nothing
  about it changes); else the earliest created of them keeps it;
- each other one gets ``collided:`` plus its old key (unique, since the old
  keys were), so it still signs in with its address spelled as it registered
  it, in any letter case (the accounts plugin looks that key up first);
- each collision is logged as a WARNING naming both account ids, and is kept
  in ``accounts_email_collisions`` for operators (docs/accounts.md).

The keys are computed in Python (neither SQLite nor PostgreSQL can casefold),
so ``crm-host migrate --sql`` can write this revision only for an empty
database. The functions are copied here, not imported: a revision must keep
doing what it did when the plugin's own code changes.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("crm_accounts.migrations")

COLLIDED_PREFIX = "collided:"
# A key no address has, held by a changing row between the two steps of the
# rewrite, so that no intermediate state breaks the unique index.
MOVING_PREFIX = "moving:"
BATCH = 500

accounts = sa.table(
    "accounts",
    sa.column("id", sa.String),
    sa.column("email", sa.String),
    sa.column("email_canonical", sa.Text),
    sa.column("create_time", sa.DateTime),
)
collisions = sa.table(
    "accounts_email_collisions",
    sa.column("account_id", sa.String),
    sa.column("kept_account_id", sa.String),
    sa.column("found_time", sa.DateTime),
)


def nfkc_key(email: str) -> str:
    """NFKC plus casefold, repeated until stable (as crm_accounts.validation has it at 0003)."""
    key = email
    for _ in range(4):
        again = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", key).casefold())
        if again == key:
            break
        key = again
    return key


def nfc_key(email: str) -> str:
    """NFC plus casefold: the key of revisions 0001 and 0002."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email).casefold())


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def upgrade() -> None:
    op.create_table(
        "accounts_email_collisions",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("kept_account_id", sa.String(36), nullable=False),
        sa.Column("found_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_accounts_email_collisions_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name="pk_accounts_email_collisions"),
    )
    if context.is_offline_mode():
        # From no revision at all, the accounts table was created empty just
        # before; from 0002 it may hold rows that only Python can rekey.
        if context.get_starting_revision_argument() is not None:
            raise CommandError(
                "accounts revision 0003 recomputes email keys in Python and cannot be "
                "written as SQL for a database that has accounts; run `crm-host migrate`"
            )
        return
    rekey(op.get_bind())


def rekey(connection: sa.Connection) -> None:
    # Only the rows whose key changes are kept in memory: in practice few.
    changing: list[tuple[str, str, str]] = []  # (id, old key, new key), oldest first
    rows = connection.execute(
        sa.select(accounts.c.id, accounts.c.email, accounts.c.email_canonical)
        .order_by(accounts.c.create_time, accounts.c.id)
        .execution_options(yield_per=BATCH)
    )
    for account_id, email, old in rows:
        new = nfkc_key(email)
        if new != old:
            changing.append((account_id, old, new))
    if not changing:
        return
    moving = {account_id for account_id, _, _ in changing}

    # The keys the changing rows want that unchanged rows already hold.
    holders: dict[str, str] = {}
    wanted = sorted({new for _, _, new in changing})
    for some in chunks(wanted):
        for account_id, key in connection.execute(
            sa.select(accounts.c.id, accounts.c.email_canonical).where(
                accounts.c.email_canonical.in_(some)
            )
        ):
            if account_id not in moving:
                holders[key] = account_id

    final: dict[str, str] = {}
    found: list[tuple[str, str]] = []  # (account id, kept account id)
    for account_id, old, new in changing:
        if new in holders:
            final[account_id] = COLLIDED_PREFIX + old
            found.append((account_id, holders[new]))
        else:
            holders[new] = account_id
            final[account_id] = new

    # Two steps, so that no row takes a key another row still holds.
    for account_id in final:
        connection.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(email_canonical=MOVING_PREFIX + account_id)
        )
    for account_id, key in final.items():
        connection.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(email_canonical=key)
        )

    now = datetime.now(UTC).replace(tzinfo=None)
    for account_id, kept in found:
        connection.execute(
            sa.insert(collisions).values(
                account_id=account_id, kept_account_id=kept, found_time=now
            )
        )
        log.warning(
            "email collision: account %s has the same address under NFKC as account %s, "
            "which keeps it; %s still signs in with its address as registered (see "
            "accounts_email_collisions)",
            account_id,
            kept,
            account_id,
        )
    log.info(
        "rekeyed %d account emails with NFKC; %d collided (accounts_email_collisions)",
        len(final),
        len(found),
    )


def downgrade() -> None:
    if not context.is_offline_mode():
        connection = op.get_bind()
        rows = connection.execute(
            sa.select(accounts.c.id, accounts.c.email, accounts.c.email_canonical)
        ).all()
        old = {
            account_id: nfc_key(email) for account_id, email, key in rows if key != nfc_key(email)
        }
        for account_id in old:
            connection.execute(
                sa.update(accounts)
                .where(accounts.c.id == account_id)
                .values(email_canonical=MOVING_PREFIX + account_id)
            )
        for account_id, key in old.items():
            connection.execute(
                sa.update(accounts).where(accounts.c.id == account_id).values(email_canonical=key)
            )
    op.drop_table("accounts_email_collisions")
