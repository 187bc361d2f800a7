"""bench/contacts.py's data: a population of companies and people, stored as the kit stores
them, and the query plans of the statements the kit issues for them.

Rows are made by the very kit the host builds (its plugins loaded, services
registered, no port): each message goes through the resource's
``BoundResource.values`` (normalization, checks, references, derived columns),
as CreatePerson does, and batches are inserted with executemany. So the stored
columns are what the host would have written, without 100,000 RPCs.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import time
import unicodedata
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Connection, Engine, create_engine, event, insert
from sqlalchemy.orm import Session

from crm_contacts._proto.contacts.v1 import contacts_pb2
from crm_contacts.resources import AFFILIATION, COMPANY, PERSON, declare
from crm_contacts.settings import ContactsSettings
from crm_host._server.config import HostSettings
from crm_host._server.lifecycle import Host
from crm_host._server.plugins import PluginManager
from crm_host.database import Database
from crm_host.kit import BoundResource, Kit

PLUGINS = ["accounts", "contacts"]
SERVICE = "contacts.v1.ContactsService"
BATCH = 1000
# A plan's step reading all of contacts_people (not contacts_people_fts): SQLite's
# SCAN, of the table or of an index (SEARCH is a lookup); PostgreSQL's Seq Scan, or
# an Index Scan without an Index Cond (one that walks the whole index in order).
FULL_SCAN = re.compile(r"\b(SCAN|Seq Scan on) contacts_people\b(?!_)")
INDEX_SCAN = re.compile(r"^( *)(?:->  )?Index (?:Only )?Scan .*\bon contacts_people\b(?!_)")

ONSETS = [
    "b",
    "br",
    "c",
    "ch",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "th",
    "v",
    "w",
    "z",
]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ie", "ou"]
CODAS = ["", "n", "r", "l", "s", "th", "ck", "m", "nd", "rt", "ss", "x"]
KINDS = [
    "Logistics",
    "Foods",
    "Systems",
    "Partners",
    "Labs",
    "Energy",
    "Health",
    "Capital",
    "Media",
    "Motors",
    "Textiles",
]
SUFFIXES = ["", " GmbH", " Inc", " Ltd", " & Co"]
TITLES = ["", "Engineer", "Sales Manager", "CEO", "Buyer", "Accountant", "Head of Operations"]
MAIL_HOSTS = ["mail.example.com", "post.example.org", "inbox.example.net"]
HOME_HOST = "home.example.org"  # of second addresses: never a primary one's


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    email: str
    company: int | None  # index into Population.companies


@dataclass
class Population:
    """What was seeded, for drawing requests from: names, addresses, ids."""

    companies: list[str]
    people: list[Person]
    family_names: list[str]
    person_ids: list[str] = field(default_factory=list)
    company_ids: list[str] = field(default_factory=list)
    affiliations: int = 0

    def search_query(self, rng: random.Random) -> str:
        """3 to 10 characters of a random person's name or address, or a company's name."""
        person = rng.choice(self.people)
        source = rng.choice(
            [person.given, person.family, person.email.split("@")[0], rng.choice(self.companies)]
        )
        length = rng.randint(3, max(3, min(10, len(source))))
        start = rng.randint(0, max(0, len(source) - length))
        return source[start : start + length]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(
        rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
    ).capitalize()


def _distinct(rng: random.Random, count: int, make: Callable[[], str]) -> list[str]:
    found: dict[str, None] = {}
    while len(found) < count:
        found[make()] = None
    return list(found)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def population(
    people: int, companies: int, family_names: int, seed: int, employed: float = 0.6
) -> Population:
    """``people`` people with ``family_names`` family names, Zipf-like (weight 1/sqrt(rank)),
    some with an umlaut or accent; ``employed`` of them at one of ``companies`` companies."""
    rng = random.Random(seed)
    families = _distinct(rng, family_names, lambda: _word(rng, rng.choice((2, 2, 3))))
    families = [f.replace("o", "ö", 1) if rng.random() < 0.05 else f for f in families]
    givens = _distinct(rng, 300, lambda: _word(rng, rng.choice((1, 2))))
    names = _distinct(
        rng, companies, lambda: f"{_word(rng, 2)} {rng.choice(KINDS)}{rng.choice(SUFFIXES)}"
    )
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(families))]
    chosen = rng.choices(families, weights=weights, k=people)
    everyone = []
    for n, family in enumerate(chosen):
        given = rng.choice(givens)
        company = rng.randrange(companies) if companies and rng.random() < employed else None
        host = _domain(company) if company is not None else rng.choice(MAIL_HOSTS)
        everyone.append(
            Person(given, family, f"{_ascii(given)}.{_ascii(family)}.{n}@{host}", company)
        )
    return Population(names, everyone, families)


def _domain(company: int) -> str:
    return f"company-{company}.example.com"


def _company(pop: Population, n: int, owner_id: str) -> Message:
    return contacts_pb2.Company(
        display_name=pop.companies[n],
        domain=_domain(n),
        website=f"https://{_domain(n)}/",
        industry=pop.companies[n].split()[1],
        employee_count=10 + n % 5000,
        phone=f"+49 30 {20000000 + n}",
        owner_id=owner_id,
    )


def _person(person: Person, rng: random.Random, company_id: str, owner_id: str) -> Message:
    message = contacts_pb2.Person(
        given_name=person.given,
        family_name=person.family,
        job_title=rng.choice(TITLES),
        primary_company_id=company_id,
        owner_id=owner_id,
        do_not_contact=rng.random() < 0.05,
    )
    message.emails.add(address=person.email, label="work", primary=True)
    if rng.random() < 0.3:
        message.emails.add(address=f"{person.email.split('@')[0]}@{HOME_HOST}", label="home")
    if rng.random() < 0.5:
        message.phones.add(number=f"+49 30 {rng.randrange(10000000, 99999999)}", label="work")
    if rng.random() < 0.2:
        message.labels["source"] = "import"
    return message


def _bind(company_ids: Sequence[str] = ()) -> None:
    """The contacts resources as the host declares them (default settings), bound to a kit,
    without their references; a seeding process's pool initializer.

    Every reference a seeded row holds is to a row inserted before it (the
    admin, the companies, the batch's people), so its check, a query per field
    and row, would only slow seeding; the stored columns are the same.
    """
    kit = Kit(Database(create_engine("sqlite://")))  # never connected
    for declaration in declare(ContactsSettings()).all:
        bound = BoundResource(kit, replace(declaration, references=()), SERVICE)
        _BOUND[declaration.name] = (bound, [r.field for r in declaration.references])
    _COMPANY_IDS[:] = company_ids


_BOUND: dict[str, tuple[BoundResource, list[str]]] = {}
_COMPANY_IDS: list[str] = []


def _row(name: str, unused: Session, message: Message, when: datetime) -> dict[str, Any]:
    """``message``'s row, as Create would store it at ``when``."""
    bound, references = _BOUND[name]
    values = bound.values(message, None, unused)
    for field_name in references:
        # As values() does for declared references: "" is no id.
        if values.get(field_name) == "":
            values[field_name] = None
    return values | {
        "id": str(uuid.uuid4()),
        "version": 1,
        "create_time": when,
        "update_time": when,
    }


@dataclass(frozen=True)
class _Batch:
    first: int  # the index of its first person
    people: list[Person]
    owner_id: str
    seed: int
    start: datetime  # the first person's create_time


def _batch_rows(batch: _Batch) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A batch's people and affiliations as rows (in a seeding process)."""
    rng = random.Random(f"{batch.seed} {batch.first}")
    with Session() as unused:  # values() reads nothing without references
        people = []
        for n, person in enumerate(batch.people):
            company = "" if person.company is None else _COMPANY_IDS[person.company]
            message = _person(person, rng, company, batch.owner_id)
            people.append(_row(PERSON, unused, message, batch.start + timedelta(seconds=n)))
        links = [
            _row(AFFILIATION, unused, link, batch.start)
            for link in _affiliations(people, _COMPANY_IDS, rng)
        ]
    return people, links


@asynccontextmanager
async def in_process_kit(database_url: str) -> AsyncIterator[Host]:
    """A host with the bench's plugins registered (services, kit), not listening."""
    plugins = PluginManager()
    plugins.load_entrypoints(PLUGINS)
    host = Host(plugins, HostSettings(listen="127.0.0.1:0", database_url=database_url))
    try:
        await host.register()
        yield host
    finally:
        host.engine.dispose()


def store(
    engine: Engine,
    pop: Population,
    owner_id: str,
    seed: int,
    processes: int,
    progress: Callable[[str], None],
) -> None:
    """Insert ``pop``'s companies, people and affiliations, as the kit would write them.

    ``processes`` make the rows, this one inserts them, a batch per transaction.
    """
    _bind()
    # Created a second apart, the oldest a while ago: create_time orders List's default pages.
    start = datetime.now(UTC) - timedelta(seconds=len(pop.people) + len(pop.companies) + 60)
    with Session() as unused:
        companies = [
            _row(COMPANY, unused, _company(pop, n, owner_id), start + timedelta(seconds=n))
            for n in range(len(pop.companies))
        ]
    pop.company_ids = [row["id"] for row in companies]
    tables = {name: bound.table for name, (bound, _) in _BOUND.items()}
    with engine.begin() as connection:
        if companies:
            connection.execute(insert(tables[COMPANY]), companies)
    start += timedelta(seconds=len(pop.companies))
    batches = [
        _Batch(
            first,
            pop.people[first : first + BATCH],
            owner_id,
            seed,
            start + timedelta(seconds=first),
        )
        for first in range(0, len(pop.people), BATCH)
    ]
    began = time.perf_counter()
    spawn = multiprocessing.get_context("spawn")  # this process runs threads: no fork
    with ProcessPoolExecutor(processes, spawn, _bind, (pop.company_ids,)) as pool:
        for batch, (people, links) in zip(batches, pool.map(_batch_rows, batches), strict=True):
            with engine.begin() as connection:
                connection.execute(insert(tables[PERSON]), people)
                if links:
                    connection.execute(insert(tables[AFFILIATION]), links)
            pop.person_ids += [row["id"] for row in people]
            pop.affiliations += len(links)
            done = batch.first + len(batch.people)
            if done % (10 * BATCH) == 0:
                rate = done / (time.perf_counter() - began)
                progress(f"seeded {done:,} people ({rate:,.0f}/s)")


def _affiliations(
    rows: Sequence[dict[str, Any]], company_ids: Sequence[str], rng: random.Random
) -> Iterator[Message]:
    """Each employed person's primary affiliation; a tenth of them a past one elsewhere too."""
    for row in rows:
        company_id = row["primary_company_id"]
        if company_id is None:
            continue
        yield contacts_pb2.Affiliation(
            person_id=row["id"],
            company_id=company_id,
            role=row["job_title"],
            primary=True,
            start_date=contacts_pb2.Date(year=2020, month=1 + rng.randrange(12), day=1),
        )
        if rng.random() < 0.1:
            yield contacts_pb2.Affiliation(
                person_id=row["id"],
                company_id=rng.choice(company_ids),
                role="Consultant",
                start_date=contacts_pb2.Date(year=2015, month=3, day=1),
                end_date=contacts_pb2.Date(year=2019, month=12, day=31),
            )


# -- query plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    title: str
    statement: str
    parameters: Any
    lines: list[str]

    @property
    def full_scan(self) -> bool:
        """Whether the plan reads the whole of contacts_people (table or index)."""
        if any(FULL_SCAN.search(line) for line in self.lines):
            return True
        for n, line in enumerate(self.lines):
            if (scan := INDEX_SCAN.match(line)) is None:
                continue
            # The node's own details: the lines after it, deeper, up to its first child.
            depth = len(scan.group(1))
            details = []
            for detail in self.lines[n + 1 :]:
                indent = len(detail) - len(detail.lstrip())
                if indent <= depth or detail.lstrip().startswith("->"):
                    break
                details.append(detail)
            if not any("Index Cond:" in detail for detail in details):
                return True
        return False

    def render(self) -> str:
        verdict = (
            "FULL SCAN of contacts_people" if self.full_scan else "no full scan of contacts_people"
        )
        return "\n".join(
            [
                f"{self.title}: {verdict}",
                f"  SQL: {' '.join(self.statement.split())}",
                f"  parameters: {self.parameters!r}",
                *(f"  {line}" for line in self.lines),
            ]
        )


@contextmanager
def captured(host: Host) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (and its parameters) the host's engine sends meanwhile."""
    sent: list[tuple[str, Any]] = []

    def listen(_c: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(host.engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(host.engine, "before_cursor_execute", listen)


def explain(host: Host, title: str, statement: str, parameters: Any) -> Plan:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL) of a statement."""
    with host.engine.connect() as connection:
        if host.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append(f"{'  ' * (depth[node] - 1)}{detail}")
        else:
            analyzed = f"EXPLAIN (ANALYZE, BUFFERS) {statement}"
            lines = [row[0] for row in connection.exec_driver_sql(analyzed, parameters)]
        connection.rollback()
    return Plan(title, statement, parameters, lines)


async def plans(host: Host, family: str, queries: Sequence[str]) -> list[Plan]:
    """The plans of ListPeople's first two pages filtered on ``family`` and of SearchPeople
    for each of ``queries``."""
    servicer: Any = next(s.servicer for s in host.services if s.full_name == SERVICE)

    async def people_select(call: Any) -> tuple[Any, tuple[str, Any]]:
        with captured(host) as sent:
            answer = await call
        selects = [
            s
            for s in sent
            if "FROM contacts_people" in s[0] and s[0].lstrip().startswith(("SELECT", "WITH"))
        ]
        return answer, selects[-1]

    page = contacts_pb2.ListPeopleRequest(page_size=50, filter=f'family_name = "{family}"')
    first, (sql, params) = await people_select(servicer.ListPeople(page, None))
    found = [explain(host, f"ListPeople page 1 (filter family_name = {family!r})", sql, params)]
    page.page_token = first.next_page_token
    if page.page_token:
        _, (sql, params) = await people_select(servicer.ListPeople(page, None))
        found.append(explain(host, "ListPeople page 2 (its page token)", sql, params))
    for query in queries:
        search = contacts_pb2.SearchPeopleRequest(query=query, page_size=50)
        _, (sql, params) = await people_select(servicer.SearchPeople(search, None))
        found.append(explain(host, f"SearchPeople (query {query!r})", sql, params))
    return found
