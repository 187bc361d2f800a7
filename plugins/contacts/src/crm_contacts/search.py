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

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, column, exists, func, select, table, union_all

from crm_contacts.models import AffiliationRow, CompanyRow, PersonRow
from crm_host import kit

MAX_QUERY_LENGTH = 200
# Up to this many matches of a person's own text, PostgreSQL reads them all
# from the trigram index and sorts them; beyond, it walks the primary key.
FEW_MATCHES = 1000
# Up to this many matching companies, their people are read from the company
# indexes and sorted; beyond, the primary key is walked.
FEW_COMPANIES = 30
_TRIGRAM = 3

PEOPLE_FTS = table("contacts_people_fts", column("rowid"), column("search_text"))
COMPANIES_FTS = table("contacts_companies_fts", column("rowid"), column("name_folded"))
# SearchPeople's order: newest first. ``seq`` is no field of Person, so the kit
# is told of it per call; page tokens carry it as they carry a field.
NEWEST = kit.Sortable("seq", PersonRow.__table__.c.seq)


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


def _newest(
    branch: Select[Any], seq: Any, people: Any, window: kit.Window, when: Any = None
) -> Select[tuple[int]]:
    """The branch's live people after the window's position, newest first, as many as it reads.

    ``when`` gates the branch from inside its WHERE, where both engines test a
    condition of no row once, before reading (SQLite would run the branch
    first if the test were outside).
    """
    if when is not None:
        branch = branch.where(when)
    branch = branch.where(people.c.delete_time.is_(None))
    if window.key is not None:
        branch = branch.where(seq < window.key[0])
    bounded = branch.order_by(seq.desc()).limit(window.limit).subquery()
    return select(bounded.c.seq)


def _postgresql_text(people: Any, key: str, window: kit.Window) -> list[Select[tuple[int]]]:
    """People whose own text contains ``key``, on PostgreSQL, by whichever read stays bounded.

    The planner picks between the trigram index (every match read, then
    sorted) and the primary key backwards (rows read until a page matches)
    from its estimate of how many match, which for LIKE comes from a sample
    and is often far off: a wrong pick reads the whole table. So the query
    reads up to FEW_MATCHES matches from the index once (a CTE) and counts
    them: fewer, and they are all the matches, sorted here; as many, and the
    key is walked backwards with the match as a filter (``search_text ||
    ''`` is not what the index holds), which finds a page within about page
    rows x people / FEW_MATCHES rows.
    """
    live = people.c.delete_time.is_(None)
    matches = (
        select(people.c.seq)
        .where(_contains(people.c.search_text, key), live)
        .limit(FEW_MATCHES)
        .cte("text_matches")
    )
    few = select(func.count()).select_from(matches).scalar_subquery() < FEW_MATCHES
    indexed = select(matches.c.seq).where(few)
    if window.key is not None:
        indexed = indexed.where(matches.c.seq < window.key[0])
    by_index = indexed.order_by(matches.c.seq.desc()).limit(window.limit).subquery()
    walked = select(people.c.seq).where(_contains(people.c.search_text.concat(""), key))
    by_key = _newest(walked, people.c.seq, people, window, ~few).subquery()
    return [select(by_index.c.seq), select(by_key.c.seq)]


def _company_branches(
    dialect: str, people: Any, companies: Select[Any], window: kit.Window
) -> list[Select[tuple[int]]]:
    """People at the ``companies`` (primary or affiliated), by whichever read stays bounded.

    With fewer than FEW_COMPANIES companies, their people come from the
    indexes on ``primary_company_id`` and ``contacts_affiliations.company_id``
    and are sorted; with more, the primary key is walked backwards with the
    company test as a filter (``|| ''`` keeps the person's index out of it),
    which stops at a page. Each form is gated on the count, so PostgreSQL
    runs one of them only. SQLite takes the index forms alone.
    """
    counted = select(func.count()).select_from(companies.limit(FEW_COMPANIES).subquery())
    few = select(counted.cte("companies_counted")).scalar_subquery() < FEW_COMPANIES
    seq = people.c.seq
    at_primary = select(seq).where(people.c.primary_company_id.in_(companies))
    # A person may work at two of the companies: a page's rows are distinct people.
    affiliated = (
        select(seq)
        .join(AffiliationRow, AffiliationRow.person_id == people.c.id)
        .where(AffiliationRow.company_id.in_(companies))
        .distinct()
    )
    walked_primary = select(seq).where(people.c.primary_company_id.concat("").in_(companies))
    walked_affiliated = select(seq).where(
        exists().where(
            AffiliationRow.person_id == people.c.id, AffiliationRow.company_id.in_(companies)
        )
    )
    if dialect == "sqlite":
        # Measured slower gated on SQLite (docs/benchmarks.md): the index forms only.
        return [_newest(at_primary, seq, people, window), _newest(affiliated, seq, people, window)]
    return [
        _newest(at_primary, seq, people, window, few),
        _newest(affiliated, seq, people, window, few),
        _newest(walked_primary, seq, people, window, ~few),
        _newest(walked_affiliated, seq, people, window, ~few),
    ]


def people_matching(dialect: str, query: str) -> Callable[[kit.Window], ColumnElement[bool]]:
    """People whose names or addresses contain ``query``, or whose companies' names do.

    For a page newest first (``seq`` descending, :data:`NEWEST`): each way of
    matching gives at most the page's rows after its position, read in
    ``seq`` order from its index, and the page is the newest of those.
    """
    key = kit.fold(query)
    companies = select(CompanyRow.id).where(
        _matching(
            dialect, key, CompanyRow.seq, CompanyRow.name_folded, COMPANIES_FTS, "name_folded"
        ),
        CompanyRow.delete_time.is_(None),
    )
    people = PersonRow.__table__.alias("matched")

    def condition(window: kit.Window) -> ColumnElement[bool]:
        if dialect == "sqlite" and len(key) >= _TRIGRAM:
            # From the FTS5 index in rowid order, so that the LIMIT stops its read.
            named = select(people.c.seq).select_from(
                PEOPLE_FTS.join(people, people.c.seq == PEOPLE_FTS.c.rowid)
            )
            text = [
                _newest(
                    named.where(PEOPLE_FTS.c.search_text.match(_fts_phrase(key))),
                    PEOPLE_FTS.c.rowid,
                    people,
                    window,
                )
            ]
        elif dialect == "postgresql" and len(key) >= _TRIGRAM:
            text = _postgresql_text(people, key, window)
        else:
            named = select(people.c.seq).where(_contains(people.c.search_text, key))
            text = [_newest(named, people.c.seq, people, window)]
        ids = union_all(*text, *_company_branches(dialect, people, companies, window))
        found: ColumnElement[bool] = PersonRow.seq.in_(ids)
        return found

    return condition
