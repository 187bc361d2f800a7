"""Filters over the wire, as properties: ListWidgets selects what an independent oracle does.

Hypothesis builds filter trees over every field the widget resource declares
filterable (strings folded and not, an enum, integers, floats, booleans,
timestamps, the ``labels`` map with ``=``, ``:`` and presence), renders each
in one of its many spellings (quotes, bare words, ``-`` or ``NOT``, spare
parentheses, number and time-zone forms), and checks that:

- ListWidgets with the text returns exactly the widgets that the tree,
  evaluated here in Python over a known dataset, selects;
- the kit's canonical text parses back to itself, selects the same widgets,
  and is the same for every spelling of one tree.

The oracle is written from docs/resources.md, not from the kit's code. One
documented difference between engines is modelled: SQLite's LIKE (``*`` and
``:`` on strings) ignores the case of ASCII letters. One host and one dataset
per test and engine; examples only read.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_host.kit.filtering import Filterable, parse_filter
from crm_host.testing import TestHost
from support.widgets import ADA, Client, Widget, engine_of, moment, stamp, widgets_host

# Characters that stress quoting, LIKE escaping (% _ / \) and case folding.
ALPHABET = "aAbBzZ09 %_/\\*\"'.-:ßéÉİı中😀"
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = frozenset({"AND", "OR", "NOT"})
LABEL_KEYS = ("tier", "region", "a key", "dotted.key", 'quo"te', "AND", "k-1")
LABEL_VALUES = ("gold", "Gold", "", "50%", "a_b", "x*y", "中")
COLORS = (Widget.COLOR_UNSPECIFIED, Widget.RED, Widget.GREEN, Widget.BLUE)
OWNERS = (ADA, "22222222-2222-4222-8222-222222222222", "x%_y")
BASE = datetime(2027, 1, 1, tzinfo=UTC)
TIMES = (
    BASE,
    BASE + timedelta(microseconds=1),
    BASE + timedelta(days=3, hours=5, microseconds=250000),
    BASE - timedelta(days=400),
)
SIZES = (0, 1, -1, 7, 2**40, -(2**63), 2**63 - 1)
PRICES = (0.0, 0.1, 1.5, -2.25, 9.75, 1e6, 1e-7)
NAMES = (
    "Sprocket",
    "sprocket 2",
    "SPROCKET%",
    "Gear_box",
    "gear/box",
    "back\\slash",
    'say "hi"',
    "it's",
    "ßtraße",
    "STRASSE",
    "Éclair",
    "İstanbul",
    "中文 widget",
    "emoji 😀",
    "*star*",
    "a.b:c",
    "Z",
    "z",
)
CODES = ("", "AB", "AB%", "A_B", "Z/9", "STAR*", "éÉ")


@dataclass(frozen=True)
class Row:
    """A widget as the oracle sees it: missing values are None."""

    id: str
    display_name: str
    code: str | None
    color: str
    size: int
    price: float
    active: bool
    owner_id: str
    labels: dict[str, str]
    due_time: datetime | None
    create_time: datetime
    update_time: datetime
    delete_time: datetime | None


def dataset_widgets() -> list[tuple[Widget, str, bool]]:
    """Widgets with a spread of values, each with its owner and whether it is deleted."""
    widgets = []
    for number, name in enumerate(NAMES):
        keys = (LABEL_KEYS * 2)[number % 7 : number % 7 + number % 4]
        labels = {key: LABEL_VALUES[(number + i) % len(LABEL_VALUES)] for i, key in enumerate(keys)}
        widget = Widget(
            display_name=f" {name} " if number % 5 == 0 else name,
            code=CODES[number] if number < len(CODES) else "",
            color=COLORS[number % len(COLORS)],
            size=SIZES[number % len(SIZES)],
            price=PRICES[number % len(PRICES)],
            active=number % 3 == 0,
            labels=labels,
        )
        if number % 4 != 3:
            widget.due_time.CopyFrom(stamp(TIMES[number % len(TIMES)]))
        widgets.append((widget, OWNERS[number % len(OWNERS)], number % 7 == 6))
    return widgets


@dataclass
class Dataset:
    host: TestHost
    engine: str
    rows: list[Row]
    fields: dict[str, Filterable]
    client: Client


@pytest.fixture
async def dataset(crm_database_url: str) -> AsyncIterator[Dataset]:
    async with widgets_host(crm_database_url) as test_host:
        rows = []
        for widget, owner, deleted in dataset_widgets():
            client = Client(test_host, owner)
            created = await client.create_widget(widget)
            if deleted:
                created = await client.delete(created.id)
            rows.append(
                Row(
                    id=created.id,
                    display_name=widget.display_name.strip(),
                    code=widget.code.strip().upper() or None,
                    color=Widget.Color.Name(widget.color) if widget.color else "",
                    size=widget.size,
                    price=widget.price,
                    active=widget.active,
                    owner_id=owner,
                    labels=dict(widget.labels),
                    due_time=moment(widget.due_time) if widget.HasField("due_time") else None,
                    create_time=moment(created.create_time),
                    update_time=moment(created.update_time),
                    delete_time=moment(created.delete_time) if deleted else None,
                )
            )
        bound = test_host.host.kit.resource("crmtest.widget")
        yield Dataset(
            test_host,
            engine_of(crm_database_url),
            rows,
            dict(bound.filters),
            Client(test_host, ADA),
        )


# --- the filter tree and its oracle -------------------------------------------------


@dataclass(frozen=True)
class Restriction:
    """``field[.key] operator value``; ``value`` is None for a map key's presence."""

    field: str
    key: str | None
    operator: str
    value: Any


@dataclass(frozen=True)
class Negation:
    operand: Node


@dataclass(frozen=True)
class Junction:
    operator: str  # "AND" or "OR"
    operands: tuple[Node, ...]


Node = Restriction | Negation | Junction

STRING_FIELDS = ("display_name", "code", "owner_id")
TIME_FIELDS = ("due_time", "create_time", "update_time", "delete_time")
ORDERED = ("=", "!=", "<", "<=", ">", ">=")


def ascii_lower(text: str) -> str:
    return text.translate({c: c + 32 for c in range(ord("A"), ord("Z") + 1)})


def like(stored: str, pattern_value: str, operator: str, ignore_case: bool) -> bool:
    """A string comparison with the filter's wildcards: ``:`` contains, ``*`` at an end."""
    if ignore_case:
        stored, pattern_value = ascii_lower(stored), ascii_lower(pattern_value)
    if operator == ":":
        return pattern_value in stored
    leading = pattern_value.startswith("*")
    trailing = pattern_value[1 if leading else 0 :].endswith("*")
    inner = unwildcarded(pattern_value)
    if leading and trailing:
        return inner in stored
    if leading:
        return stored.endswith(inner)
    return stored.startswith(inner)


def unwildcarded(value: str) -> str:
    """A value without the wildcards ``=`` and ``!=`` take: one leading, one trailing ``*``."""
    inner = value[1:] if value.startswith("*") else value
    return inner[:-1] if inner.endswith("*") else inner


def compare(stored: Any, operator: str, value: Any) -> bool:
    """``stored operator value`` for a present value."""
    return bool(
        {
            "=": stored == value,
            ":": stored == value,
            "!=": stored != value,
            "<": stored < value,
            "<=": stored <= value,
            ">": stored > value,
            ">=": stored >= value,
        }[operator]
    )


def string_matches(stored: str | None, operator: str, value: str, ignore_case: bool) -> bool:
    if stored is None:
        return operator == "!="
    wildcard = operator in ("=", "!=") and (value.startswith("*") or value.endswith("*"))
    if operator == ":" or wildcard:
        found = like(stored, value, operator, ignore_case)
        return not found if operator == "!=" else found
    return compare(stored, operator, value)


def selects(node: Node, row: Row, engine: str) -> bool:
    """Whether the filter ``node`` selects ``row``: the oracle."""
    if isinstance(node, Negation):
        return not selects(node.operand, row, engine)
    if isinstance(node, Junction):
        results = (selects(operand, row, engine) for operand in node.operands)
        return all(results) if node.operator == "AND" else any(results)
    sqlite = engine == "sqlite"
    if node.field == "labels":
        assert node.key is not None
        stored = row.labels.get(node.key)
        if node.value is None:
            return stored is not None
        return string_matches(stored, node.operator, node.value, sqlite)
    if node.field == "display_name":
        # Compared case-folded, both sides, on both engines.
        return string_matches(
            row.display_name.casefold(), node.operator, node.value.casefold(), sqlite
        )
    stored = getattr(row, node.field)
    if node.field in STRING_FIELDS:
        return string_matches(stored, node.operator, node.value, sqlite)
    if stored is None:
        return node.operator == "!="
    return compare(stored, node.operator, node.value)


# --- strategies: trees -----------------------------------------------------------------

# Short, so that substrings, prefixes and suffixes of the dataset's values come up.
texts = st.text(alphabet=ALPHABET, max_size=3)
plain_texts = st.text(alphabet=ALPHABET.replace("*", ""), max_size=3)


def string_restriction(field: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[Node]:
    """Comparisons, wildcard matches and substring matches on a string field."""
    wildcard = st.tuples(st.sampled_from(("*{}", "{}*", "*{}*")), plain_texts).map(
        lambda shape: shape[0].format(shape[1])
    )
    return st.one_of(
        # A * in a value is a wildcard with = and !=, and refused with < <= > >=.
        st.builds(
            Restriction,
            st.just(field),
            st.none(),
            st.sampled_from(("<", "<=", ">", ">=")),
            values.filter(lambda value: "*" not in value),
        ),
        st.builds(
            Restriction,
            st.just(field),
            st.none(),
            st.sampled_from(("=", "!=")),
            values.filter(lambda value: "*" not in unwildcarded(value)),
        ),
        st.builds(Restriction, st.just(field), st.none(), st.sampled_from(("=", "!=")), wildcard),
        st.builds(Restriction, st.just(field), st.none(), st.just(":"), texts),
    )


def known(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Values of the dataset (so that = finds something), in other cases too, and others."""
    variants = sorted({*values, *(v.upper() for v in values), *(v.lower() for v in values)})
    parts = sorted({v[:cut] for v in variants for cut in (1, 2, -1, -2)} - {""})
    return st.one_of(st.sampled_from(variants), st.sampled_from(parts), plain_texts)


@dataclass(frozen=True)
class RowTime:
    """The field's time in the dataset's row ``index``, moved by ``micros``: known only then."""

    index: int
    micros: int


def time_values(field: str) -> st.SearchStrategy[datetime | RowTime]:
    near = st.sampled_from(TIMES).flatmap(
        lambda t: st.sampled_from((t, t - timedelta(microseconds=1), t + timedelta(seconds=1)))
    )
    anywhere = st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    )
    if field == "due_time":
        return st.one_of(near, anywhere)
    return st.one_of(
        anywhere,
        st.builds(RowTime, st.integers(0, len(NAMES) - 1), st.sampled_from((-1, 0, 0, 1))),
    )


def restrictions() -> st.SearchStrategy[Node]:
    label_value = st.one_of(st.sampled_from(LABEL_VALUES), texts)
    label_key = st.one_of(
        st.sampled_from(LABEL_KEYS),
        st.sampled_from(LABEL_KEYS),
        st.text(alphabet=ALPHABET, max_size=4),
    )
    return st.one_of(
        string_restriction("display_name", known(NAMES)),
        string_restriction("code", known(CODES)),
        string_restriction("owner_id", known(OWNERS)),
        st.builds(
            Restriction,
            st.just("color"),
            st.none(),
            st.sampled_from(("=", "!=")),
            st.sampled_from(("RED", "GREEN", "BLUE")),
        ),
        st.builds(
            Restriction,
            st.just("size"),
            st.none(),
            st.sampled_from((*ORDERED, ":")),
            st.one_of(st.sampled_from(SIZES), st.integers(-(2**63), 2**63 - 1)),
        ),
        st.builds(
            Restriction,
            st.just("price"),
            st.none(),
            st.sampled_from((*ORDERED, ":")),
            st.one_of(
                st.sampled_from(PRICES),
                st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0),
            ),
        ),
        st.builds(
            Restriction,
            st.just("active"),
            st.none(),
            st.sampled_from(("=", "!=", ":")),
            st.booleans(),
        ),
        st.sampled_from(TIME_FIELDS).flatmap(
            lambda field: st.builds(
                Restriction,
                st.just(field),
                st.none(),
                st.sampled_from(ORDERED),
                time_values(field),
            )
        ),
        st.builds(
            Restriction,
            st.just("labels"),
            label_key,
            st.sampled_from(("=", "!=")),
            label_value.filter(lambda value: "*" not in unwildcarded(value)),
        ),
        st.builds(Restriction, st.just("labels"), label_key, st.just(":"), label_value),
        st.builds(Restriction, st.just("labels"), label_key, st.just(":"), st.none()),
    )


def trees() -> st.SearchStrategy[Node]:
    return st.recursive(
        restrictions(),
        lambda children: st.one_of(
            st.builds(Negation, children),
            st.builds(
                Junction,
                st.sampled_from(("AND", "OR")),
                st.lists(children, min_size=2, max_size=3).map(tuple),
            ),
        ),
        max_leaves=8,
    )


# --- rendering: one tree, many spellings --------------------------------------------


class Speller:
    """Renders a tree as filter text, each choice of spelling drawn by hypothesis."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def choose(self, *options: str) -> str:
        return str(self.draw(st.sampled_from(options)))

    def space(self) -> str:
        return self.choose(" ", "  ", "\t", "\n ")

    def quote(self, text: str) -> str:
        mark = self.choose('"', "'")
        escaped = text.replace("\\", "\\\\").replace(mark, "\\" + mark)
        if self.draw(st.booleans()):
            # Escaping the other quote too is allowed.
            other = "'" if mark == '"' else '"'
            escaped = escaped.replace(other, "\\" + other)
        return mark + escaped + mark

    def name(self, text: str) -> str:
        """A map key: bare when it reads back as one word."""
        if WORD.fullmatch(text) and text not in KEYWORDS and self.draw(st.booleans()):
            return text
        return self.quote(text)

    def value(self, restriction: Restriction) -> str:
        value = restriction.value
        if isinstance(value, bool):
            word = "true" if value else "false"
            return self.choose(word, f'"{word}"', f"'{word}'")
        if isinstance(value, int):
            sign = "-" if value < 0 else self.choose("", "+")
            digits = self.choose("", "0", "00") + str(abs(value))
            return self.choose(sign + digits, self.quote(sign + digits))
        if isinstance(value, float):
            spellings = [repr(value), f"{value:.17g}", f"{value:e}"]
            exact = [text for text in spellings if float(text) == value]
            return str(self.draw(st.sampled_from(exact)))
        if isinstance(value, datetime):
            return self.quote(self.timestamp(value))
        assert isinstance(value, str)
        if restriction.field == "color" or (
            WORD.fullmatch(value) and value not in KEYWORDS and self.draw(st.booleans())
        ):
            return self.choose(value, self.quote(value))
        return self.quote(value)

    def timestamp(self, value: datetime) -> str:
        minutes = self.draw(st.sampled_from((0, 0, 60, -330, 14 * 60, -12 * 60)))
        try:
            local = value.astimezone(timezone(timedelta(minutes=minutes)))
        except OverflowError:
            local = value
        if local.utcoffset() == timedelta(0):
            zone = self.choose("Z", "z", "+00:00", "-00:00")
        else:
            offset = local.utcoffset()
            assert offset is not None
            total = int(offset.total_seconds()) // 60
            sign = "-" if total < 0 else "+"
            zone = f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
        fraction = ""
        if local.microsecond:
            fraction = f".{local.microsecond:06d}" + self.choose("", "000")
        elif self.draw(st.booleans()):
            fraction = ".0"
        separator = self.choose("T", "t")
        return (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d}{separator}"
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}{fraction}{zone}"
        )

    def restriction(self, node: Restriction) -> str:
        member = node.field if node.key is None else f"{node.field}.{self.name(node.key)}"
        if node.value is None:
            # Presence of a map key: two spellings.
            assert node.key is not None
            if self.draw(st.booleans()):
                return f"{member}:*"
            return f"{node.field}:{self.name(node.key)}"
        if node.operator == ":":
            return f"{member}{self.choose('', ' ')}:{self.choose('', ' ')}{self.value(node)}"
        return f"{member}{self.space()}{node.operator}{self.space()}{self.value(node)}"

    def render(self, node: Node, parent: str | None = None) -> str:
        if isinstance(node, Restriction):
            text = self.restriction(node)
            return f"({text})" if self.draw(st.integers(0, 5)) == 0 else text
        if isinstance(node, Negation):
            operand = self.render(node.operand, "NOT")
            bare = isinstance(node.operand, Restriction) or operand.startswith("(")
            if not bare:
                operand = f"({operand})"
            return self.choose("NOT ", "NOT  ", "-") + operand
        joined = f"{self.space()}{node.operator}{self.space()}".join(
            self.render(operand, node.operator) for operand in node.operands
        )
        # OR binds tighter than AND: an AND inside an OR, or any junction after a
        # NOT, needs parentheses; elsewhere they are optional.
        needed = parent == "NOT" or (parent == "OR" and node.operator == "AND")
        if parent == "AND" and node.operator == "OR":
            needed = False
        if needed or (parent is not None and self.draw(st.booleans())):
            return f"({joined})"
        return joined


def resolved(node: Node, rows: list[Row]) -> Node:
    """The tree with each RowTime made the time it stands for."""
    if isinstance(node, Negation):
        return Negation(resolved(node.operand, rows))
    if isinstance(node, Junction):
        return Junction(node.operator, tuple(resolved(o, rows) for o in node.operands))
    if isinstance(node.value, RowTime):
        row = rows[node.value.index]
        base = getattr(row, node.field) or row.create_time
        at = base + timedelta(microseconds=node.value.micros)
        return Restriction(node.field, node.key, node.operator, at)
    return node


def count_restrictions(node: Node) -> int:
    if isinstance(node, Restriction):
        return 1
    if isinstance(node, Negation):
        return count_restrictions(node.operand)
    return sum(count_restrictions(operand) for operand in node.operands)


# --- the properties ------------------------------------------------------------------

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(tree=trees(), data=st.data(), show_deleted=st.booleans())
async def test_list_selects_what_the_oracle_selects(
    dataset: Dataset, tree: Node, data: st.DataObject, show_deleted: bool
) -> None:
    tree = resolved(tree, dataset.rows)
    text = Speller(data.draw).render(tree)
    expected = {
        row.id
        for row in dataset.rows
        if (show_deleted or row.delete_time is None) and selects(tree, row, dataset.engine)
    }
    found = await dataset.client.all(filter=text, page_size=1000, show_deleted=show_deleted)
    assert len(found) == len({w.id for w in found}), "a widget listed twice"
    assert {w.id for w in found} == expected, text

    # The canonical text: a fixed point, and it selects the same widgets.
    canonical = parse_filter(text, dataset.fields).canonical
    assert parse_filter(canonical, dataset.fields).canonical == canonical
    again = await dataset.client.all(filter=canonical, page_size=1000, show_deleted=show_deleted)
    assert {w.id for w in again} == expected, canonical
    # Another spelling of the same tree means the same: the same canonical text.
    other = Speller(data.draw).render(tree)
    assert parse_filter(other, dataset.fields).canonical == canonical, (text, other)
    assert count_restrictions(tree) <= 64
