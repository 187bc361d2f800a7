"""SearchPeople's condition: a query contained in a person's names or addresses, or in
the name of a company they work for.

Each engine answers from an index (the migration makes them): on SQLite the
FTS5 tables ``contacts_people_fts`` and ``contacts_companies_fts`` with the
trigram tokenizer, kept in step with their tables by triggers and keyed by
``seq``; on PostgreSQL trigram (pg_trgm) GIN indexes, which serve ``LIKE
'%...%'``. Both match substrings of the folded text (kit.fold), so any case
and compatibility form of a name is found. A trigram index needs three
characters: a shorter query reads the folded columns themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, column, or_, select, table, union_all

from crm_contacts.models import AffiliationRow, CompanyRow, PersonRow
from crm_host import kit

MAX_QUERY_LENGTH = 200
_TRIGRAM = 3

PEOPLE_FTS = table("contacts_people_fts", column("rowid"), column("search_text"))
COMPANIES_FTS = table("contacts_companies_fts", column("rowid"), column("name_folded"))


def _contains(text_column: Any, key: str) -> ColumnElement[bool]:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: ColumnElement[bool] = text_column.like(f"%{escaped}%", escape="\\")
    return condition


def _fts_phrase(key: str) -> str:
    """An FTS5 string: the key as one phrase, its double quotes doubled."""
    return '"' + key.replace('"', '""') + '"'


def _matching(
    dialect: str, key: str, seq: Any, text_column: Any, fts: Any, fts_column: str
) -> ColumnElement[bool]:
    if dialect == "sqlite" and len(key) >= _TRIGRAM:
        indexed: ColumnElement[bool] = seq.in_(
            select(fts.c.rowid).where(fts.c[fts_column].match(_fts_phrase(key)))
        )
        return indexed
    return _contains(text_column, key)


def people_matching(dialect: str, query: str) -> ColumnElement[bool]:
    """People whose names or addresses contain ``query``, or whose companies' names do."""
    key = kit.fold(query)
    companies = select(CompanyRow.id).where(
        _matching(
            dialect, key, CompanyRow.seq, CompanyRow.name_folded, COMPANIES_FTS, "name_folded"
        ),
        CompanyRow.delete_time.is_(None),
    )
    employed = select(AffiliationRow.person_id).where(AffiliationRow.company_id.in_(companies))
    if dialect == "postgresql":
        # PostgreSQL cannot OR "IN (subquery)" conditions from indexes: it would
        # test every person. Each branch's ids come from its own index instead.
        people = PersonRow.__table__.alias("matched")
        ids = union_all(
            select(people.c.id).where(_contains(people.c.search_text, key)),
            select(people.c.id).where(people.c.primary_company_id.in_(companies)),
            employed,
        )
        found: ColumnElement[bool] = PersonRow.id.in_(ids)
        return found
    return or_(
        _matching(dialect, key, PersonRow.seq, PersonRow.search_text, PEOPLE_FTS, "search_text"),
        PersonRow.primary_company_id.in_(companies),
        PersonRow.id.in_(employed),
    )
