"""The contacts plugin's tables: companies, people and affiliations.

Companies and people carry ``seq``, an integer key of their own besides the
UUID ``id``: SQLite's full-text index (FTS5) is keyed by an integer rowid,
and an implicit rowid may change when a table is copied (VACUUM, a batch
migration), while a real column does not. Search reads the folded
``search_text`` (people) and ``name_folded`` (companies) through that index
on SQLite and through trigram GIN indexes on PostgreSQL (the migration makes
both; see crm_contacts.search).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_host import kit

LIVE = text("delete_time IS NULL")
# PostgreSQL's trigram operator class (pg_trgm), for substring search.
TRIGRAM_OPS = "gin_trgm_ops"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=kit.NAMING_CONVENTION)


class Versioned:
    """The columns the kit writes on every resource."""

    version: Mapped[int] = mapped_column(Integer)
    create_time: Mapped[Any] = mapped_column(kit.UTCDateTime)
    update_time: Mapped[Any] = mapped_column(kit.UTCDateTime)


class SoftDeleted(Versioned):
    """The kit's columns of a soft-deleted resource; ``seq`` keys its search index."""

    seq: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    delete_time: Mapped[Any] = mapped_column(kit.UTCDateTime, nullable=True)
    expire_time: Mapped[Any] = mapped_column(kit.UTCDateTime, nullable=True)


def _trigram_index(name: str, column: str) -> Index:
    """A GIN trigram index on ``column``, on PostgreSQL only (SQLite uses FTS5)."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: TRIGRAM_OPS}).ddl_if(
        dialect="postgresql"
    )


class CompanyRow(SoftDeleted, Base):
    __tablename__ = "contacts_companies"
    __table_args__ = (
        UniqueConstraint("id", name="uq_contacts_companies_id"),
        # Keyset pagination walks (sort column, id).
        Index("ix_contacts_companies_name_folded_id", "name_folded", "id"),
        Index("ix_contacts_companies_employee_count_id", "employee_count", "id"),
        Index("ix_contacts_companies_create_time_id", "create_time", "id"),
        Index("ix_contacts_companies_update_time_id", "update_time", "id"),
        Index("ix_contacts_companies_owner_id", "owner_id"),
        Index("ix_contacts_companies_expire_time", "expire_time"),
        Index(
            "uq_contacts_companies_domain_live",
            "domain",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        _trigram_index("ix_contacts_companies_name_folded_trgm", "name_folded"),
    )

    id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(Text)
    # The IDNA (ASCII) form, lower case; NULL when empty, so that it never clashes.
    domain: Mapped[str | None] = mapped_column(String(253), nullable=True)
    website: Mapped[str] = mapped_column(String(2048))
    industry: Mapped[str] = mapped_column(String(200))
    employee_count: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(64))
    address: Mapped[Any] = mapped_column(JSON, nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    labels: Mapped[Any] = mapped_column(JSON, nullable=True)


class PersonRow(SoftDeleted, Base):
    __tablename__ = "contacts_people"
    __table_args__ = (
        UniqueConstraint("id", name="uq_contacts_people_id"),
        Index("ix_contacts_people_name_folded_id", "name_folded", "id"),
        # A filter on family_name, in the default order (create_time, id).
        Index(
            "ix_contacts_people_family_name_folded_create_time_id",
            "family_name_folded",
            "create_time",
            "id",
        ),
        Index("ix_contacts_people_create_time_id", "create_time", "id"),
        Index("ix_contacts_people_update_time_id", "update_time", "id"),
        Index("ix_contacts_people_primary_company_id", "primary_company_id"),
        Index("ix_contacts_people_owner_id", "owner_id"),
        Index("ix_contacts_people_expire_time", "expire_time"),
        Index(
            "uq_contacts_people_primary_email_live",
            "primary_email",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        _trigram_index("ix_contacts_people_search_text_trgm", "search_text"),
    )

    id: Mapped[str] = mapped_column(String(36))
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(401))
    name_folded: Mapped[str] = mapped_column(Text)
    given_name_folded: Mapped[str] = mapped_column(Text)
    family_name_folded: Mapped[str] = mapped_column(Text)
    emails: Mapped[Any] = mapped_column(JSON, nullable=True)
    # The primary address, folded; NULL without one.
    primary_email: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Every address, folded, each on a line of its own: what `emails.address` filters read.
    email_keys: Mapped[str] = mapped_column(Text)
    # Names and addresses, folded: what SearchPeople reads.
    search_text: Mapped[str] = mapped_column(Text)
    phones: Mapped[Any] = mapped_column(JSON, nullable=True)
    job_title: Mapped[str] = mapped_column(String(200))
    primary_company_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    do_not_contact: Mapped[bool] = mapped_column(Boolean)
    labels: Mapped[Any] = mapped_column(JSON, nullable=True)


class AffiliationRow(Versioned, Base):
    __tablename__ = "contacts_affiliations"
    __table_args__ = (
        Index("ix_contacts_affiliations_create_time_id", "create_time", "id"),
        Index("ix_contacts_affiliations_update_time_id", "update_time", "id"),
        Index("ix_contacts_affiliations_person_id", "person_id"),
        Index("ix_contacts_affiliations_company_id", "company_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36))
    company_id: Mapped[str] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(200))
    primary: Mapped[bool] = mapped_column(Boolean)
    start_date: Mapped[Any] = mapped_column(JSON, nullable=True)
    end_date: Mapped[Any] = mapped_column(JSON, nullable=True)
