"""Account use cases, independent of gRPC."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from crm_accounts.errors import AlreadyExists
from crm_accounts.models import Account
from crm_accounts.passwords import PasswordHasher
from crm_accounts.validation import NewAccount, validate_new_account

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountRecord:
    """An account as callers may see it: never with its password hash."""

    id: str
    name: str
    email: str
    create_time: datetime
    update_time: datetime


class AccountsController:
    """Creates accounts; all database work runs on worker threads."""

    def __init__(self, engine: Engine, hasher: PasswordHasher) -> None:
        self._engine = engine
        self._hasher = hasher

    async def create_account(self, name: str, email: str, password: str) -> AccountRecord:
        """Create an account, or raise InvalidArgument or AlreadyExists."""
        new = validate_new_account(name, email, password)
        # Checked before hashing so that a duplicate does not cost an argon2 hash;
        # the unique constraint still decides races.
        if await asyncio.to_thread(self._email_taken, new.email_canonical):
            raise AlreadyExists
        password_hash = await self._hasher.hash(new.password)
        try:
            record = await asyncio.to_thread(self._insert, new, password_hash)
        except IntegrityError:
            # A concurrent create won the race; any other violation is a bug.
            if await asyncio.to_thread(self._email_taken, new.email_canonical):
                raise AlreadyExists from None
            raise
        logger.info("created account %s", record.id)
        return record

    def _email_taken(self, email_canonical: str) -> bool:
        with Session(self._engine) as session:
            found = session.scalar(
                select(Account.id).where(Account.email_canonical == email_canonical).limit(1)
            )
        return found is not None

    def _insert(self, new: NewAccount, password_hash: str) -> AccountRecord:
        # Built from local values: commit expires the ORM object's attributes.
        account_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        account = Account(
            id=account_id,
            name=new.name,
            email=new.email,
            email_canonical=new.email_canonical,
            password_hash=password_hash,
            create_time=now,
            update_time=now,
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(account)
        except StatementError as e:
            # The statement's parameters include the password hash, and the host
            # logs unexpected errors with their message.
            e.hide_parameters = True
            e.params = None
            raise
        return AccountRecord(
            id=account_id,
            name=new.name,
            email=new.email,
            create_time=now,
            update_time=now,
        )
