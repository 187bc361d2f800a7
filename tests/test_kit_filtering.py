"""AIP-160 filters (crm_host.kit.filtering): parsed, compiled and run on real databases.

Every database test runs on a fresh SQLite file and, when CRM_TEST_DATABASE_URL
is set, on a PostgreSQL schema of its own (the ``crm_database_url`` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.types import TypeDecorator

from crm_host.kit.filtering import (
    Filter,
    Filterable,
    FilterError,
    ValueType,
    compare,
    parse_filter,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (as crm_accounts stores them)."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


METADATA = sa.MetaData()
PEOPLE = sa.Table(
    "people",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("given_name", sa.Text, nullable=False),
    sa.Column("family_name", sa.Text, nullable=False),
    # casefold(family_name): what the family_name filter compares, folded alike.
    sa.Column("family_name_folded", sa.Text, nullable=False),
    sa.Column("age", sa.Integer),
    sa.Column("score", sa.Float),
    sa.Column("active", sa.Boolean),
    sa.Column("create_time", UTCDateTime),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("country_code", sa.String(2)),
)
# A map<string, string> in a side table.
LABELS = sa.Table(
    "labels",
    METADATA,
    sa.Column("person_id", sa.ForeignKey("people.id"), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
# A repeated field: emails[].address.
EMAILS = sa.Table(
    "emails",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("person_id", sa.ForeignKey("people.id"), nullable=False),
    sa.Column("address", sa.Text, nullable=False),
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "age": 36,
        "score": 9.5,
        "active": True,
        "create_time": at("2020-01-01T00:00:00"),
        "state": "ACTIVE",
        "country_code": "GB",
    },
    {
        "id": 2,
        "given_name": "Grace",
        "family_name": "Hopper",
        "age": 85,
        "score": 8.25,
        "active": False,
        "create_time": at("2021-06-01T12:00:00.5"),
        "state": "DISABLED",
        "country_code": "US",
    },
    {
        "id": 3,
        "given_name": "Alan",
        "family_name": "Turing",
        "age": 41,
        "score": 7.0,
        "active": True,
        "create_time": at("2022-01-01T00:00:00"),
        "state": "ACTIVE",
        "country_code": "GB",
    },
    {
        "id": 4,
        "given_name": "Zoë",
        "family_name": 'O\'Neil "Q"',
        "age": None,
        "score": None,
        "active": None,
        "create_time": None,
        "state": "PENDING",
        "country_code": None,
    },
    {
        "id": 5,
        "given_name": "50%_a\\b",
        "family_name": "Back\\Slash",
        "age": 0,
        "score": -1.5,
        "active": True,
        "create_time": at("2023-03-04T05:06:07.123456"),
        "state": "ACTIVE",
        "country_code": "FR",
    },
    {
        "id": 6,
        "given_name": "Jo*hn",
        "family_name": "LOVELACE",
        "age": 36,
        "score": 1e20,
        "active": False,
        "create_time": at("2020-01-01T00:00:00.000001"),
        "state": "DISABLED",
        "country_code": "gb",
    },
]
ALL = {row["id"] for row in ROWS}
LABEL_ROWS = [
    (1, "tier", "gold"),
    (1, "team", "math"),
    (2, "tier", "silver"),
    (4, "my key", "100%_off"),
    (5, "tier", "Gold"),
    (6, "team", ""),
]
EMAIL_ROWS = [
    (1, "ada@example.com"),
    (1, "countess@analytical.org"),
    (2, "grace@navy.mil"),
    (3, "alan@example.com"),
    (5, "x_y@example.com"),
    (6, "jo@example.org"),
]


def labels_clause(operator: str, key_value: tuple[str, str | None]) -> sa.ColumnElement[bool]:
    key, value = key_value
    entry = sa.select(LABELS.c.person_id).where(
        LABELS.c.person_id == PEOPLE.c.id, LABELS.c.key == key
    )
    if value is None:
        return entry.exists()
    if operator == "!=":
        # Not "some entry differs": people without the key are not equal either.
        return ~entry.where(compare(LABELS.c.value, "=", value)).exists()
    return entry.where(compare(LABELS.c.value, operator, value)).exists()


def emails_clause(operator: str, address: str) -> sa.ColumnElement[bool]:
    email = sa.select(EMAILS.c.id).where(EMAILS.c.person_id == PEOPLE.c.id)
    if operator == "!=":
        return ~email.where(compare(EMAILS.c.address, "=", address)).exists()
    return email.where(compare(EMAILS.c.address, operator, address)).exists()


FIELDS = {
    field.path: field
    for field in [
        Filterable("given_name", ValueType.STRING, PEOPLE.c.given_name),
        Filterable("family_name", ValueType.STRING, PEOPLE.c.family_name_folded, fold=str.casefold),
        Filterable("age", ValueType.INTEGER, PEOPLE.c.age),
        Filterable("score", ValueType.FLOAT, PEOPLE.c.score),
        Filterable("active", ValueType.BOOLEAN, PEOPLE.c.active),
        Filterable("create_time", ValueType.TIMESTAMP, PEOPLE.c.create_time),
        Filterable(
            "state",
            ValueType.ENUM,
            PEOPLE.c.state,
            enum_values=("ACTIVE", "DISABLED", "PENDING"),
        ),
        Filterable("address.country_code", ValueType.STRING, PEOPLE.c.country_code),
        Filterable("labels", ValueType.STRING, compile=labels_clause, map_keys=True),
        Filterable(
            "emails.address",
            ValueType.STRING,
            compile=emails_clause,
            operators=frozenset({"=", "!=", ":"}),
        ),
    ]
}


@pytest.fixture
def engine(crm_database_url: str) -> Iterator[sa.Engine]:
    """The people tables, filled, in a fresh database."""
    engine = sa.create_engine(crm_database_url)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            PEOPLE.insert(),
            [{**row, "family_name_folded": row["family_name"].casefold()} for row in ROWS],
        )
        connection.execute(
            LABELS.insert(), [{"person_id": p, "key": k, "value": v} for p, k, v in LABEL_ROWS]
        )
        connection.execute(EMAILS.insert(), [{"person_id": p, "address": a} for p, a in EMAIL_ROWS])
    yield engine
    engine.dispose()


def rows(engine: sa.Engine, parsed: Filter) -> set[int]:
    statement = sa.select(PEOPLE.c.id)
    if parsed.clause is not None:
        statement = statement.where(parsed.clause)
    with engine.connect() as connection:
        return set(connection.scalars(statement))


def deep(depth: int) -> str:
    return "(" * depth + "age = 36" + ")" * depth


def many(count: int) -> str:
    return " OR ".join(["age = 36"] * count)


# (filter, ids of the rows it returns)
MATCHES: list[tuple[str, set[int]]] = [
    ("", ALL),
    ("  \t\n ", ALL),
    # STRING: equality, quote styles, bare words, escapes.
    ('given_name = "Ada"', {1}),
    ("given_name = 'Ada'", {1}),
    ("given_name = Ada", {1}),
    ("given_name=Ada", {1}),
    ('given_name = "ada"', set()),
    ('given_name = "Zoë"', {4}),
    ('given_name = "50%_a\\\\b"', {5}),
    ('given_name != "Ada"', {2, 3, 4, 5, 6}),
    # Wildcards: prefix, suffix, both; LIKE's own % and _ are escaped.
    ('given_name = "A*"', {1, 3}),
    ("given_name = A*", {1, 3}),
    ('given_name = "*n"', {3, 6}),
    ('given_name = "*a*"', {1, 2, 3, 5}),
    ('given_name = "*"', ALL),
    ('given_name = "**"', ALL),
    ('given_name != "A*"', {2, 4, 5, 6}),
    ('given_name = "50%*"', {5}),
    ('given_name = "5_*"', set()),
    ('given_name = "*\\\\b"', {5}),
    # : is a substring match in which * is a plain character.
    ('given_name:"%_"', {5}),
    ('given_name:"\\\\"', {5}),
    ('given_name:"*"', {6}),
    ('given_name:"o*h"', {6}),
    ('given_name : "ra"', {2}),
    # Ordering.
    ('given_name > "H"', {4, 6}),
    ('given_name >= "Grace"', {2, 4, 6}),
    ('given_name < "B"', {1, 3, 5}),
    ('given_name <= "Ada"', {1, 5}),
    # fold: the literal is folded as the column is.
    ('family_name = "LOVELACE"', {1, 6}),
    ("family_name = lovelace", {1, 6}),
    ('family_name = "o\'neil \\"Q\\""', {4}),
    ("family_name = 'O\\'Neil \"q\"'", {4}),
    ('family_name:"SLASH"', {5}),
    ('family_name = "*ING"', {3}),
    ('family_name = "back\\\\*"', {5}),
    # INTEGER.
    ("age = 36", {1, 6}),
    ("age:36", {1, 6}),
    ('age = "36"', {1, 6}),
    ("age = +036", {1, 6}),
    ("age != 36", {2, 3, 4, 5}),
    ("age < 41", {1, 5, 6}),
    ("age <= 41", {1, 3, 5, 6}),
    ("age > 41", {2}),
    ("age >= 0", {1, 2, 3, 5, 6}),
    ("age > -1", {1, 2, 3, 5, 6}),
    ("age = -0", {5}),
    # FLOAT.
    ("score = 9.5", {1}),
    ("score = 95e-1", {1}),
    ("score:7", {3}),
    ("score != 7", {1, 2, 4, 5, 6}),
    ("score > 8", {1, 2, 6}),
    ("score >= 8.25", {1, 2, 6}),
    ("score < 0", {5}),
    ("score <= -1.5", {5}),
    ("score > 1E19", {6}),
    ("score > -1.5e0", {1, 2, 3, 6}),
    # BOOLEAN.
    ("active = true", {1, 3, 5}),
    ("active = false", {2, 6}),
    ("active:true", {1, 3, 5}),
    ('active = "false"', {2, 6}),
    ("active != true", {2, 4, 6}),
    # TIMESTAMP: offsets, fractions, lower case t and z; stored with microseconds.
    ('create_time = "2020-01-01T00:00:00Z"', {1}),
    ('create_time = "2020-01-01T01:00:00+01:00"', {1}),
    ('create_time = "2019-12-31T18:30:00-05:30"', {1}),
    ('create_time > "2020-01-01T00:00:00Z"', {2, 3, 5, 6}),
    ('create_time >= "2020-01-01T00:00:00.000001Z"', {2, 3, 5, 6}),
    ('create_time < "2021-06-01T12:00:00.5Z"', {1, 6}),
    ('create_time <= "2021-06-01T12:00:00.500000000Z"', {1, 2, 6}),
    ('create_time != "2020-01-01T00:00:00Z"', {2, 3, 4, 5, 6}),
    ('create_time > "2023-03-04T00:06:07.123455-05:00"', {5}),
    ('create_time = "2023-03-04t05:06:07.123456z"', {5}),
    # ENUM.
    ("state = ACTIVE", {1, 3, 5}),
    ('state = "DISABLED"', {2, 6}),
    ("state = 'PENDING'", {4}),
    ("state != ACTIVE", {2, 4, 6}),
    # A dotted path; != includes missing values.
    ('address.country_code = "GB"', {1, 3}),
    ("address.country_code = gb", {6}),
    ('address . country_code = "GB"', {1, 3}),
    ('address."country_code" = "GB"', {1, 3}),
    ('address.country_code != "GB"', {2, 4, 5, 6}),
    # A map.
    ("labels:tier", {1, 2, 5}),
    ('labels:"tier"', {1, 2, 5}),
    ("labels.tier:*", {1, 2, 5}),
    ('labels:"my key"', {4}),
    ('labels."my key":*', {4}),
    ('labels."my key" = "100%_off"', {4}),
    ('labels.tier = "gold"', {1}),
    ("labels.tier = gold", {1}),
    ('labels.tier != "gold"', {2, 3, 4, 5, 6}),
    ('labels.tier = "s*"', {2}),
    ('labels.tier:"ilv"', {2}),
    ("labels.team:*", {1, 6}),
    ('labels.team = ""', {6}),
    ("labels:nothing", set()),
    # A repeated field, through compile.
    ('emails.address = "*@example.com"', {1, 3, 5}),
    ('emails.address:"example"', {1, 3, 5, 6}),
    ('emails.address = "grace@navy.mil"', {2}),
    ("emails.address = grace@navy.mil", {2}),
    ('emails.address:"_"', {5}),
    ('emails.address != "ada@example.com"', {2, 3, 4, 5, 6}),
    # AND, OR and their precedence: OR binds tighter.
    ("age = 36 AND active = true", {1}),
    ("age = 36 OR active = true", {1, 3, 5, 6}),
    ("age < 1 OR age > 40 AND state = DISABLED", {2}),
    ("state = DISABLED AND age > 40 OR age < 1", {2}),
    ("(state = DISABLED AND age > 40) OR age < 1", {2, 5}),
    ("(age = 36 OR age = 85) AND active = false", {2, 6}),
    ("age = 36 AND (active = false OR state = ACTIVE)", {1, 6}),
    ('labels.tier = gold OR emails.address = "*navy.mil"', {1, 2}),
    # NOT and -; a negation returns exactly the rows the restriction does not.
    ("NOT state = ACTIVE", {2, 4, 6}),
    ("-state = ACTIVE", {2, 4, 6}),
    ("- state = ACTIVE", {2, 4, 6}),
    ("NOT age = 36", {2, 3, 4, 5}),
    ("NOT age > 40", {1, 4, 5, 6}),
    ("NOT(age = 36)", {2, 3, 4, 5}),
    ("-(age = 36 OR active = true)", {2, 4}),
    ("NOT (NOT age = 36)", {1, 6}),
    ('-given_name = "A*"', {2, 4, 5, 6}),
    ("NOT labels:tier", {3, 4, 6}),
    ('NOT emails.address:"example"', {2, 4}),
    ("age > 30 AND -active = true", {2, 6}),
    # Parentheses, redundant or not, and white space.
    ("((age = 36))", {1, 6}),
    ("( ( age = 36 ) AND ( active = false ) )", {6}),
    ("age\t=\n36", {1, 6}),
    # The limits themselves are allowed.
    (deep(32), {1, 6}),
    (many(64), {1, 6}),
]


def test_filters_return_exactly_the_expected_rows(engine: sa.Engine) -> None:
    wrong = []
    for text, expected in MATCHES:
        found = rows(engine, parse_filter(text, FIELDS))
        if found != expected:
            wrong.append((text, sorted(found), sorted(expected)))
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("given_name='Ada'", 'given_name = "Ada"'),
        ("given_name = Ada", 'given_name = "Ada"'),
        ("given_name : 'x\\'y'", 'given_name:"x\'y"'),
        ('given_name = "a\\"b\\\\c"', 'given_name = "a\\"b\\\\c"'),
        ("family_name = LOVELACE", 'family_name = "lovelace"'),
        ("age:036", "age = 36"),
        ('age = "-7"', "age = -7"),
        ("score = 95e-1", "score = 9.5"),
        ("score = -0", "score = 0.0"),
        ("active:'true'", "active = true"),
        (
            'create_time >= "2020-01-01T01:00:00.500+01:00"',
            'create_time >= "2020-01-01T00:00:00.5Z"',
        ),
        ('state = "ACTIVE"', "state = ACTIVE"),
        ('address . "country_code" = GB', 'address.country_code = "GB"'),
        ("labels.tier:*", "labels:tier"),
        ("labels:'tier'", "labels:tier"),
        ("labels.'my key':*", 'labels:"my key"'),
        ("labels.'tier' = gold", 'labels.tier = "gold"'),
        ("emails.address:example", 'emails.address:"example"'),
        ("-age = 1", "NOT age = 1"),
        ("NOT((age = 1))", "NOT age = 1"),
        ("((age = 1 AND (age = 2)) AND age = 3)", "age = 1 AND age = 2 AND age = 3"),
        ("age = 1 AND age = 2 OR age = 3", "age = 1 AND (age = 2 OR age = 3)"),
        ("(age = 1 OR (age = 2 OR age = 3))", "age = 1 OR age = 2 OR age = 3"),
        ("(age = 1 AND age = 2) OR age = 3", "(age = 1 AND age = 2) OR age = 3"),
        ("-(age = 1 OR age = 2)", "NOT (age = 1 OR age = 2)"),
        ("NOT (NOT age = 1)", "NOT (NOT age = 1)"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert parse_filter(text, FIELDS).canonical == canonical


SECRET = "Xq7-private"

# (filter, reason, what the description says, in order)
ERRORS: list[tuple[str, str, list[str]]] = [
    # Limits, checked before anything else.
    ("age = 1 " * 300, "FILTER_INVALID", ["must be at most 2000 characters"]),
    ("age = 1\x00", "FILTER_INVALID", ["NUL", "character 8"]),
    ('given_name = "\ud800"', "FILTER_INVALID", ["lone surrogate", "character 15"]),
    (deep(33), "FILTER_TOO_COMPLEX", ["at most 32 deep", "character 33"]),
    ("(" * 1000, "FILTER_TOO_COMPLEX", ["at most 32 deep"]),
    (many(65), "FILTER_TOO_COMPLEX", ["at most 64 restrictions"]),
    # Fields.
    (
        "nope = 1",
        "FILTER_UNKNOWN_FIELD",
        ["unknown field 'nope' at character 1", "accepts", "active", "labels.KEY"],
    ),
    ("given_name.first = Ada", "FILTER_UNKNOWN_FIELD", ["'given_name.first'"]),
    ("address = GB", "FILTER_UNKNOWN_FIELD", ["'address'", "address.country_code"]),
    ("36 = age", "FILTER_UNKNOWN_FIELD", ["'36'", "the field goes on the left"]),
    (f'"{SECRET}" = age', "FILTER_INVALID", ["a string at character 1", "field goes on the left"]),
    # Operators by type.
    ("state > ACTIVE", "FILTER_INVALID", ["operator > at character 7", "state (an enum)", "= !="]),
    ("active < true", "FILTER_INVALID", ["operator <", "active (a boolean)", "= != :"]),
    (
        'create_time:"2020-01-01T00:00:00Z"',
        "FILTER_INVALID",
        ["operator :", "create_time (a timestamp)", "= != < <= > >="],
    ),
    ("emails.address < x", "FILTER_INVALID", ["operator <", "emails.address", "= != :"]),
    ("labels.tier > a", "FILTER_INVALID", ["operator >", "labels.tier (a map)"]),
    # Literals by type; a string's content is never repeated.
    (f'age > "{SECRET}"', "FILTER_INVALID", ["age expects an integer", "a string at character 7"]),
    ("age > many", "FILTER_INVALID", ["age expects an integer", "'many' at character 7"]),
    ("age = 1.5", "FILTER_INVALID", ["age expects an integer"]),
    ("age = 1_000", "FILTER_INVALID", ["age expects an integer"]),
    ("age = 9223372036854775808", "FILTER_INVALID", ["out of range"]),
    ("age = " + "9" * 1900, "FILTER_INVALID", ["out of range"]),
    ("score = nan", "FILTER_INVALID", ["score expects a finite number"]),
    ("score = 1e999", "FILTER_INVALID", ["score expects a finite number"]),
    ('score = "inf"', "FILTER_INVALID", ["score expects a finite number"]),
    ("active = yes", "FILTER_INVALID", ["active expects true or false"]),
    ("active = True", "FILTER_INVALID", ["active expects true or false"]),
    ("state = active", "FILTER_INVALID", ["ACTIVE, DISABLED, PENDING", "'active'"]),
    (f'state = "{SECRET}"', "FILTER_INVALID", ["ACTIVE, DISABLED, PENDING", "a string"]),
    ('create_time > "2020-01-01"', "FILTER_INVALID", ["create_time expects an RFC 3339"]),
    ('create_time > "2020-01-01T00:00:00"', "FILTER_INVALID", ["with a time zone"]),
    ("create_time > 2020-01-01T00:00:00Z", "FILTER_INVALID", ["in quotes"]),
    (
        'create_time > "2020-01-01T00:00:00.0000001Z"',
        "FILTER_INVALID",
        ["microsecond precision", "character 15"],
    ),
    ('create_time > "2020-02-30T00:00:00Z"', "FILTER_INVALID", ["not a valid date and time"]),
    ('create_time > "2020-01-01T00:00:00+01:60"', "FILTER_INVALID", ["not a valid"]),
    ('create_time > "0001-01-01T00:00:00+01:00"', "FILTER_INVALID", ["between years 1 and 9999"]),
    # Wildcards.
    (f'given_name = "{SECRET}*x"', "FILTER_INVALID", ["* may only begin or end", "given_name:"]),
    ('given_name = "***"', "FILTER_INVALID", ["* may only begin or end"]),
    (f'given_name < "{SECRET}*"', "FILTER_INVALID", ["wildcards work with = and != only"]),
    ("given_name:*", "FILTER_UNSUPPORTED", ["presence", "map keys only", 'given_name:"*"']),
    # Maps.
    ('labels = "gold"', "FILTER_INVALID", ["labels at character 1 is a map", "labels:KEY"]),
    ("labels:*", "FILTER_INVALID", ["names no key"]),
    ('labels.a.b = "x"', "FILTER_INVALID", ["name one key", 'labels."a.b"']),
    # Unsupported AIP-160.
    (
        f'regex(given_name, "{SECRET}")',
        "FILTER_UNSUPPORTED",
        ["function call 'regex(...)' at character 1"],
    ),
    ('given_name = lower("ADA")', "FILTER_UNSUPPORTED", ["function call 'lower(...)'"]),
    ("math.mem('30mb') > 1", "FILTER_UNSUPPORTED", ["function call 'math.mem(...)'"]),
    (SECRET, "FILTER_UNSUPPORTED", ["a word on its own at character 1", "global restriction"]),
    (f'"{SECRET}"', "FILTER_UNSUPPORTED", ["a string on its own at character 1"]),
    ("age = 1 AND Smith", "FILTER_UNSUPPORTED", ["global restriction"]),
    ("age = 1 active = true", "FILTER_UNSUPPORTED", ["side by side", "'active'", "AND"]),
    ("age = 1 and active = true", "FILTER_UNSUPPORTED", ["side by side", "upper case"]),
    ("age = 1 (active = true)", "FILTER_UNSUPPORTED", ["side by side"]),
    ("given_name = Ada Lovelace", "FILTER_UNSUPPORTED", ["side by side", "quote values"]),
    ("age = (1 OR 2)", "FILTER_UNSUPPORTED", ["parenthesized value", "age = a OR age = b"]),
    # Syntax.
    ("(age = 1", "FILTER_INVALID", ["the ( at character 1 is not closed"]),
    ("age = 1)", "FILTER_INVALID", ["unexpected ) at character 8"]),
    ("age = 1 AND", "FILTER_INVALID", ["expected a restriction", "the end of the filter"]),
    ("AND age = 1", "FILTER_INVALID", ["expected a restriction", "AND at character 1"]),
    ("age = 1 OR OR age = 2", "FILTER_INVALID", ["expected a restriction", "OR at character 12"]),
    ("()", "FILTER_INVALID", ["expected a restriction", "')' at character 2"]),
    ("age = ", "FILTER_INVALID", ["expected a value after age =", "for example age = 10"]),
    ("age == 1", "FILTER_INVALID", ["there is no =="]),
    ("age <> 1", "FILTER_INVALID", ["write != for not equal"]),
    ("age ! 1", "FILTER_INVALID", ["unexpected '!' at character 5", "= != < <= > >= and :"]),
    ("age = 1 = 2", "FILTER_INVALID", ["unexpected '=' at character 9"]),
    ("age = 1, age = 2", "FILTER_INVALID", ["unexpected ',' at character 8"]),
    ("age. = 1", "FILTER_INVALID", ["expected a field name after the . at character 4"]),
    ("age = NOT", "FILTER_INVALID", ["expected a value after age =", "NOT at character 7"]),
    (f'given_name = "{SECRET}".x', "FILTER_INVALID", ["quote a value that contains dots"]),
    (f'given_name = "{SECRET}', "FILTER_INVALID", ["the string opened at character 14"]),
    (f'given_name = "{SECRET}\\n"', "FILTER_INVALID", ["unsupported escape at character 26"]),
    ("NOT NOT age = 1", "FILTER_INVALID", ["NOT at character 1 negates", "NOT (NOT ...)"]),
    ("--age = 1", "FILTER_INVALID", ["- at character 1 negates"]),
    ("NOT " * 400 + "age = 1", "FILTER_INVALID", ["NOT (NOT ...)"]),
]


@pytest.mark.parametrize(
    ("text", "reason", "says"), ERRORS, ids=[repr(text)[:40] for text, _, _ in ERRORS]
)
def test_bad_filters_are_refused_with_reason_and_description(
    text: str, reason: str, says: list[str]
) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text, FIELDS)
    error = caught.value
    assert (error.reason, str(error)) == (reason, error.description)
    position = 0
    for part in says:
        found = error.description.find(part, position)
        assert found >= 0, (part, error.description)
        position = found + len(part)
    assert SECRET not in error.description
    assert len(error.description) <= 300


def test_max_length_is_the_callers() -> None:
    assert parse_filter("age = 1", FIELDS, max_length=7).canonical == "age = 1"
    with pytest.raises(FilterError, match=r"^must be at most 6 characters$"):
        parse_filter("age = 1", FIELDS, max_length=6)


def test_unknown_fields_list_at_most_fifteen() -> None:
    fields = {
        f"f{i:02d}": Filterable(f"f{i:02d}", ValueType.INTEGER, PEOPLE.c.age) for i in range(20)
    }
    with pytest.raises(FilterError) as caught:
        parse_filter("nope = 1", fields)
    assert caught.value.description.endswith(
        "f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14 and 5 more"
    )


def test_fields_may_narrow_their_operators() -> None:
    fields = {"age": Filterable("age", ValueType.INTEGER, PEOPLE.c.age, operators=frozenset("="))}
    assert parse_filter("age = 1", fields).canonical == "age = 1"
    with pytest.raises(FilterError, match="operator < at character 5 is not allowed for age"):
        parse_filter("age < 1", fields)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: Filterable("age", ValueType.INTEGER), "needs a column or a compile function"),
        (lambda: Filterable("a-b", ValueType.INTEGER, PEOPLE.c.age), "each dotted name"),
        (lambda: Filterable("x.OR", ValueType.INTEGER, PEOPLE.c.age), "each dotted name"),
        (lambda: Filterable("state", ValueType.ENUM, PEOPLE.c.state), "enum_values"),
        (
            lambda: Filterable("age", ValueType.INTEGER, PEOPLE.c.age, enum_values=("A",)),
            "enum_values",
        ),
        (
            lambda: Filterable("age", ValueType.INTEGER, PEOPLE.c.age, fold=str.casefold),
            "fold applies to STRING fields only",
        ),
        (
            lambda: Filterable("m", ValueType.STRING, PEOPLE.c.given_name, map_keys=True),
            "needs a compile function",
        ),
        (
            lambda: Filterable("age", ValueType.INTEGER, PEOPLE.c.age, operators=frozenset("~")),
            "unknown operators",
        ),
    ],
)
def test_bad_declarations_are_programming_errors(make: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        make()


def test_fields_are_declared_under_their_path() -> None:
    with pytest.raises(ValueError, match="has path"):
        parse_filter("years = 1", {"years": FIELDS["age"]})


# --- properties --------------------------------------------------------------

# The hypothesis examples share the test's database, which they only read.
PROPERTIES = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Leaf:
    """A restriction: a field, an operator and the value it means (not how it is spelled)."""

    path: str
    operator: str
    value: Any  # for labels: (key, value or None)


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Group:
    operator: str  # AND or OR
    operands: tuple[Node, ...]


Node = Leaf | Not | Group

TEXT = st.text(st.sampled_from("aAbZë09 %_\\'\"-."), max_size=6)
TIMES = [
    at("2020-01-01T00:00:00"),
    at("2020-01-01T00:00:00.000001"),
    at("2021-06-01T12:00:00.5"),
    at("2023-03-04T05:06:07.123456"),
    at("1999-12-31T23:59:59"),
]


@st.composite
def string_leaf(draw: st.DrawFn, path: str) -> Leaf:
    operators = (
        ["=", "!=", ":"] if path == "emails.address" else ["=", "!=", "<", "<=", ">", ">=", ":"]
    )
    operator = draw(st.sampled_from(operators))
    text = draw(TEXT)
    if operator in ("=", "!="):
        text = draw(st.sampled_from(["", "*"])) + text + draw(st.sampled_from(["", "*"]))
    elif operator == ":":
        text = draw(st.sampled_from(["", "*"])) + text
    return Leaf(path, operator, text)


def leaves() -> st.SearchStrategy[Leaf]:
    ordered = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        string_leaf("given_name"),
        string_leaf("family_name").map(
            lambda leaf: Leaf(leaf.path, leaf.operator, leaf.value.casefold())
        ),
        string_leaf("emails.address"),
        st.builds(Leaf, st.just("age"), ordered, st.integers(-3, 90)),
        st.builds(
            Leaf, st.just("score"), ordered, st.sampled_from([-1.5, 0.0, 7.0, 8.25, 9.5, 1e20])
        ),
        st.builds(Leaf, st.just("active"), st.sampled_from(["=", "!="]), st.booleans()),
        st.builds(Leaf, st.just("create_time"), ordered, st.sampled_from(TIMES)),
        st.builds(
            Leaf,
            st.just("state"),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["ACTIVE", "DISABLED", "PENDING"]),
        ),
        st.builds(
            Leaf,
            st.just("address.country_code"),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["GB", "gb", "US", "FR", "DE"]),
        ),
        st.builds(
            Leaf,
            st.just("labels"),
            st.sampled_from(["=", "!=", ":"]),
            st.tuples(
                st.sampled_from(["tier", "team", "my key", "AND", "a.b"]),
                st.one_of(st.none(), st.sampled_from(["gold", "Gold", "", "s", "100%_off"])),
            ),
        ),
    )


def depth(node: Node) -> int:
    if isinstance(node, Leaf):
        return 0
    if isinstance(node, Not):
        return 1 + depth(node.operand)
    return 1 + max(depth(operand) for operand in node.operands)


def trees() -> st.SearchStrategy[Node]:
    # Shallow enough to stay within the nesting limit however it is spelled.
    return st.recursive(
        leaves(),
        lambda children: st.one_of(
            children.map(Not),
            st.builds(
                Group,
                st.sampled_from(["AND", "OR"]),
                st.lists(children, min_size=2, max_size=3).map(tuple),
            ),
        ),
        max_leaves=8,
    ).filter(lambda tree: depth(tree) <= 8)


def ws(data: st.DataObject, empty: bool = False) -> str:
    options = [" ", "  ", "\t", "\n ", "\u00a0"]
    return data.draw(st.sampled_from(["", *options] if empty else options))


def quoted(data: st.DataObject, text: str) -> str:
    quote = data.draw(st.sampled_from(['"', "'"]))
    other = "'" if quote == '"' else '"'
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    if data.draw(st.booleans()):
        escaped = escaped.replace(other, "\\" + other)
    return quote + escaped + quote


BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\*?")


def text_value(data: st.DataObject, text: str, operator: str) -> str:
    bare_ok = BARE.fullmatch(text) and text not in ("AND", "OR", "NOT")
    if bare_ok and not (operator == ":" and text == "*") and data.draw(st.booleans()):
        return text
    return quoted(data, text)


def spell_time(data: st.DataObject, moment: datetime) -> str:
    offset = data.draw(
        st.sampled_from([None, timedelta(0), timedelta(hours=1), -timedelta(hours=5, minutes=30)])
    )
    local = moment.astimezone(timezone(offset or timedelta(0)))
    digits = data.draw(st.sampled_from([0, 6, 9]))
    fraction = (
        f".{local.microsecond:06d}" + "0" * (digits - 6) if digits or local.microsecond else ""
    )
    if offset is None:
        zone = data.draw(st.sampled_from(["Z", "z"]))
    else:
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        zone = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    t = data.draw(st.sampled_from(["T", "t"]))
    return quoted(data, f"{local:%Y-%m-%d}{t}{local:%H:%M:%S}{fraction}{zone}")


def spell_number(data: st.DataObject, number: float) -> str:
    options = [repr(number), f"{number:e}", f"{number:E}"]
    if number.is_integer() and abs(number) < 1e15:
        options.append(str(int(number)))
    spelled = data.draw(st.sampled_from(options))
    return quoted(data, spelled) if data.draw(st.booleans()) else spelled


def spell_leaf(data: st.DataObject, leaf: Leaf) -> str:
    operator = leaf.operator
    path = leaf.path
    if path == "labels":
        key, value = leaf.value
        key_text = text_value(data, key, "=")
        if value is None:
            if data.draw(st.booleans()):
                return f"labels{ws(data, True)}:{ws(data, True)}{key_text}"
            return f"labels.{key_text}{ws(data, True)}:{ws(data, True)}*"
        return f"labels.{key_text}{ws(data, True)}{operator}{ws(data, True)}{quoted(data, value)}"
    value = leaf.value
    if path == "address.country_code":
        path = data.draw(
            st.sampled_from([path, "address . country_code", 'address."country_code"'])
        )
    if isinstance(value, bool):
        spelled = "true" if value else "false"
        spelled = quoted(data, spelled) if data.draw(st.booleans()) else spelled
        if operator == "=" and data.draw(st.booleans()):
            operator = ":"
    elif isinstance(value, int):
        spelled = data.draw(
            st.sampled_from(
                [
                    str(value),
                    f"0{value}" if value >= 0 else str(value),
                    f"+{value}" if value >= 0 else str(value),
                ]
            )
        )
        spelled = quoted(data, spelled) if data.draw(st.booleans()) else spelled
        if operator == "=" and data.draw(st.booleans()):
            operator = ":"
    elif isinstance(value, float):
        spelled = spell_number(data, value)
        if operator == "=" and data.draw(st.booleans()):
            operator = ":"
    elif isinstance(value, datetime):
        spelled = spell_time(data, value)
    elif path == "family_name":
        spelled = text_value(
            data, data.draw(st.sampled_from([value, value.upper(), value.title()])), operator
        )
    else:
        spelled = text_value(data, value, operator)
    return f"{path}{ws(data, True)}{operator}{ws(data, True)}{spelled}"


def parenthesized(data: st.DataObject, text: str) -> str:
    return f"({ws(data, True)}{text}{ws(data, True)})"


def spell(data: st.DataObject, node: Node, needs_parentheses: bool = False) -> str:
    """Any of the ways to write ``node``; parenthesized when the context needs it."""
    if isinstance(node, Leaf):
        text = spell_leaf(data, node)
    elif isinstance(node, Not):
        operand = node.operand
        inner = spell(data, operand, needs_parentheses=not isinstance(operand, Leaf))
        if inner.startswith("(") or data.draw(st.booleans()):
            text = data.draw(st.sampled_from(["NOT" + ws(data), "-"])) + inner
        else:
            text = "-" + inner if data.draw(st.booleans()) else "NOT " + inner
    else:
        joiner = f"{ws(data)}{node.operator}{ws(data)}"
        parts = []
        for operand in node.operands:
            # AND inside OR needs parentheses; OR inside AND and like in like do not.
            required = (
                isinstance(operand, Group) and operand.operator == "AND" and node.operator == "OR"
            )
            parts.append(spell(data, operand, needs_parentheses=required))
        text = joiner.join(parts)
    if needs_parentheses or data.draw(st.integers(0, 5)) == 0:
        return parenthesized(data, text)
    return text


def canonical_of(text: str) -> str:
    return parse_filter(text, FIELDS).canonical


def test_equivalent_spellings_have_one_canonical_text_and_the_same_rows(engine: sa.Engine) -> None:
    @PROPERTIES
    @given(tree=trees(), data=st.data())
    def check(tree: Node, data: st.DataObject) -> None:
        first = spell(data, tree)
        second = spell(data, tree)
        parsed = parse_filter(first, FIELDS)
        assert canonical_of(second) == parsed.canonical
        again = parse_filter(parsed.canonical, FIELDS)
        assert again.canonical == parsed.canonical
        found = rows(engine, parsed)
        assert rows(engine, again) == found
        assert rows(engine, parse_filter(second, FIELDS)) == found
        # A negation returns exactly the other rows, missing values included.
        assert rows(engine, parse_filter(f"NOT ({first})", FIELDS)) == ALL - found

    check()


VOCABULARY = [
    *FIELDS,
    "labels.tier",
    "nope",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    ":",
    "!",
    "AND",
    "OR",
    "NOT",
    "and",
    "-",
    "(",
    ")",
    ",",
    ".",
    "*",
    '"',
    "'",
    "\\",
    "36",
    "-1.5e3",
    "true",
    "ACTIVE",
    '"A*"',
    "'2020-01-01T00:00:00Z'",
    '"x\\"y"',
    "f(x)",
    "\x00",
    "ë",
    "😀",
]


def outcome(text: str) -> Filter | FilterError:
    try:
        return parse_filter(text, FIELDS, max_length=200)
    except FilterError as error:
        return error


def test_any_text_parses_or_raises_filter_error(engine: sa.Engine) -> None:
    soup = st.lists(st.sampled_from(VOCABULARY), max_size=30)
    texts = st.one_of(
        st.text(max_size=220),
        soup.map(" ".join),
        soup.map("".join),
    )

    @PROPERTIES
    @given(text=texts)
    def check(text: str) -> None:
        parsed = outcome(text)
        if isinstance(parsed, FilterError):
            assert parsed.reason in {
                "FILTER_INVALID",
                "FILTER_UNKNOWN_FIELD",
                "FILTER_UNSUPPORTED",
                "FILTER_TOO_COMPLEX",
            }
            assert parsed.description
            return
        # What parses runs, and is stable.
        rows(engine, parsed)
        assert canonical_of(parsed.canonical) == parsed.canonical

    check()


@PROPERTIES
@given(
    depth=st.integers(33, 2000),
    opener=st.sampled_from(["(", "NOT (", "-(", "( ", "(age = 1 AND "]),
    closed=st.booleans(),
)
def test_deep_nesting_is_too_complex(depth: int, opener: str, closed: bool) -> None:
    text = opener * depth + "age = 36" + (")" * depth if closed else "")
    with pytest.raises(FilterError) as caught:
        parse_filter(text, FIELDS, max_length=len(text))
    assert caught.value.reason == "FILTER_TOO_COMPLEX"


@PROPERTIES
@given(
    count=st.integers(65, 2000),
    joiner=st.sampled_from([" AND ", " OR ", " AND NOT ", " OR -"]),
    grouped=st.booleans(),
)
def test_many_restrictions_are_too_complex(count: int, joiner: str, grouped: bool) -> None:
    text = joiner.join(["age = 36"] * count)
    if grouped:
        text = f"({text})"
    with pytest.raises(FilterError) as caught:
        parse_filter(text, FIELDS, max_length=len(text))
    assert caught.value.reason == "FILTER_TOO_COMPLEX"
