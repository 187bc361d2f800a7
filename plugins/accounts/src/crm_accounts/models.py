"""The accounts plugin's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations and error handling can refer to them
# on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    __tablename__ = "accounts"

    # A random UUID4 string: account IDs must not be guessable or sequential.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # email-validator's normalized form, kept for display and for sending mail.
    email: Mapped[str] = mapped_column(String(254))
    # Text: casefolding can lengthen an address (ß -> ss) beyond 254 characters.
    email_canonical: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    create_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    update_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        # Only the id: the hash must never be shown, and names and emails are
        # personal data that would otherwise leak into logs.
        return f"Account(id={self.id!r})"
