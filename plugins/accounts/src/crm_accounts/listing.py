"""ListAccounts requests turned into one query: paging, filtering, ordering.

Pagination is keyset-based (AIP-158): the page token carries the last row's
sort key, so pages stay stable while accounts are created or deleted, and no
page costs more than the first. Tokens are encrypted and authenticated
(AES-GCM): they reach clients, the keyset values in them end up in SQL, and
a name must not show in URLs or logs.

The filter is a subset of AIP-160::

    filter    = [ condition { "AND" condition } ]
    condition = field operator value

    field        operators        value
    state        = !=             ACTIVE or DISABLED, bare or quoted
    email        = !=             "address": the whole address, any letter case
    name         = !=             "text": the whole name, any letter case;
                                  a trailing * makes it a prefix match
                 :                "text": a substring, any letter case; * is literal
    create_time  = != < <= > >=   "RFC 3339 timestamp with a time zone"

Strings are in double or single quotes; a backslash escapes a quote or a
backslash. AND is upper case.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from crm_accounts.errors import FieldViolation, InvalidArgument
from crm_accounts.models import Account, State
from crm_accounts.validation import email_lookup_key

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
FILTER_MAX_LENGTH = 1000

_TOKEN_VERSION = 1
# Keeps tokens of other features sealed with the same key from passing as ours.
_TOKEN_CONTEXT = b"crm_accounts.ListAccounts.page_token\x00"
_NONCE_LENGTH = 12
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

_FILTER_FIELDS = ("state", "email", "name", "create_time")
_ORDER_FIELDS: tuple[Literal["create_time", "name"], ...] = ("create_time", "name")
_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", ":")
_ALLOWED_OPERATORS = {
    "state": ("=", "!="),
    "email": ("=", "!="),
    "name": ("=", "!=", ":"),
    "create_time": ("=", "!=", "<", "<=", ">", ">="),
}
_EXAMPLES = {
    "state": "state = ACTIVE",
    "email": 'email = "jo@example.com"',
    "name": 'name = "Jo*"',
    "create_time": 'create_time > "2026-01-01T00:00:00Z"',
}
_QUOTES = "\"'"
# Characters that end a bare word; whitespace does too.
_SPECIAL = frozenset(_QUOTES + "()=!<>:,")
_WORD_SHOWN = 40
_LIKE_ESCAPE = "/"

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)


@dataclass(frozen=True)
class Ordering:
    """One sort field and its direction; ``id`` always breaks ties."""

    field: Literal["create_time", "name"]
    descending: bool

    def column(self) -> InstrumentedAttribute[datetime] | InstrumentedAttribute[str]:
        # name_folded, not name: the order must agree with the case-insensitive
        # name filter and be the same on every database.
        return Account.create_time if self.field == "create_time" else Account.name_folded

    def sort_value(self, row: Account) -> str:
        """The row's sort key in the form page tokens carry."""
        if self.field == "create_time":
            return row.create_time.astimezone(UTC).isoformat()
        return row.name_folded

    def parse_sort_value(self, value: str) -> datetime | str:
        """The inverse of sort_value."""
        return datetime.fromisoformat(value) if self.field == "create_time" else value

    def normalized(self) -> str:
        return f"{self.field} {'desc' if self.descending else 'asc'}"


@dataclass(frozen=True)
class ListQuery:
    """The statement to run and what next_page_token needs to continue it.

    ``statement`` fetches one row more than ``page_size``: its presence is what
    tells that there is a next page.
    """

    statement: Select[Account]
    page_size: int
    ordering: Ordering
    fingerprint: str


def build_list_query(
    *, page_size: int, page_token: str, filter: str, order_by: str, key: bytes
) -> ListQuery:
    """Validate a ListAccounts request and build its query, or raise InvalidArgument.

    ``key`` signs page tokens; it must be the same key for every replica that
    may serve the next page.
    """
    violations: list[FieldViolation] = []
    size = DEFAULT_PAGE_SIZE
    if page_size < 0:
        violations.append(FieldViolation("page_size", "must not be negative", "PAGE_SIZE_NEGATIVE"))
    elif page_size > 0:
        size = min(page_size, MAX_PAGE_SIZE)

    ordering: Ordering | None = None
    try:
        ordering = _parse_order_by(order_by)
    except _Invalid as e:
        violations.append(FieldViolation("order_by", e.description, e.reason))

    conditions: list[_Condition] | None = None
    try:
        conditions = _parse_filter(filter)
    except _Invalid as e:
        violations.append(FieldViolation("filter", e.description, e.reason))

    after: _Position | None = None
    if page_token:
        after = _decode_token(page_token, key)
        if after is None:
            violations.append(
                FieldViolation(
                    "page_token",
                    "is not a page token from this ListAccounts query; "
                    "omit page_token to start again from the first page",
                    "PAGE_TOKEN_INVALID",
                )
            )

    fingerprint = ""
    keyset: ColumnElement[bool] | None = None
    if ordering is not None and conditions is not None:
        fingerprint = _fingerprint(conditions, ordering)
        if after is not None and after.fingerprint != fingerprint:
            violations.append(
                FieldViolation(
                    "page_token",
                    "filter and order_by must not change between pages; send the first "
                    "page's filter and order_by, or omit page_token to start again",
                    "PAGE_TOKEN_MISMATCH",
                )
            )
        elif after is not None:
            keyset = _after(after, ordering)

    if violations:
        raise InvalidArgument(violations)
    # Both are set when nothing was violated; the asserts tell mypy so.
    assert ordering is not None
    assert conditions is not None

    column = ordering.column()
    statement = select(Account).where(*(c.clause for c in conditions))
    if keyset is not None:
        statement = statement.where(keyset)
    if ordering.descending:
        statement = statement.order_by(column.desc(), Account.id.desc())
    else:
        statement = statement.order_by(column.asc(), Account.id.asc())
    return ListQuery(
        statement=statement.limit(size + 1),
        page_size=size,
        ordering=ordering,
        fingerprint=fingerprint,
    )


def next_page_token(
    query: ListQuery, rows: Sequence[Account], key: bytes
) -> tuple[list[Account], str]:
    """Split the rows of ``query.statement`` into the page and the next page token.

    The token is empty on the last page, the only end signal AIP-158 allows.
    """
    page = list(rows[: query.page_size])
    if len(rows) <= query.page_size:
        return page, ""
    last = page[-1]
    payload = {
        "v": _TOKEN_VERSION,
        "f": query.fingerprint,
        "k": query.ordering.sort_value(last),
        "i": last.id,
    }
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    nonce = os.urandom(_NONCE_LENGTH)
    sealed = AESGCM(key).encrypt(nonce, data, _TOKEN_CONTEXT)
    token = base64.urlsafe_b64encode(nonce + sealed)
    return page, token.rstrip(b"=").decode("ascii")


class _Invalid(Exception):
    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


def _filter_invalid(description: str) -> _Invalid:
    return _Invalid("FILTER_INVALID", description)


def _filter_unsupported(description: str) -> _Invalid:
    return _Invalid(
        "FILTER_UNSUPPORTED",
        f"{description}; only conditions joined by AND are supported",
    )


def _parse_order_by(order_by: str) -> Ordering:
    def invalid(problem: str) -> _Invalid:
        return _Invalid(
            "ORDER_BY_INVALID",
            f"{problem}; order_by accepts create_time or name, optionally followed by asc or desc",
        )

    if not order_by.strip():
        return Ordering("create_time", descending=False)
    if "," in order_by:
        raise invalid("sorting by more than one field is not supported")
    words = order_by.split()
    field = next((f for f in _ORDER_FIELDS if f == words[0]), None)
    if field is None:
        raise invalid(f"unknown field {_show(words[0])}")
    if len(words) > 2:
        raise invalid(f"unexpected {_show(words[2])} after {field} {words[1]}")
    direction = words[1].lower() if len(words) == 2 else "asc"
    if direction not in ("asc", "desc"):
        raise invalid(f"unknown direction {_show(words[1])}")
    return Ordering(field, descending=direction == "desc")


# --- filter ---------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: Literal["word", "string", "operator", "punctuation"]
    text: str
    position: int  # 1-based, as editors count columns

    def describe(self) -> str:
        # A string's content is not repeated: it may be personal data, and
        # error messages end up in logs.
        if self.kind == "string":
            return f"a string at character {self.position}"
        return f"{_show(self.text)} at character {self.position}"


@dataclass(frozen=True)
class _Condition:
    clause: ColumnElement[bool]
    # The condition written out canonically, for the page token fingerprint.
    normalized: tuple[str, str, str]


def _parse_filter(text: str) -> list[_Condition]:
    if len(text) > FILTER_MAX_LENGTH:
        raise _filter_invalid(f"must be at most {FILTER_MAX_LENGTH} characters")
    # PostgreSQL rejects NUL in text parameters, which would surface as an
    # internal error instead of as the client's mistake.
    if "\x00" in text:
        raise _filter_invalid("must not contain NUL characters")
    tokens = _tokenize(text)
    _reject_unsupported(tokens)
    conditions: list[_Condition] = []
    index = 0
    while index < len(tokens):
        condition, index = _parse_condition(tokens, index)
        conditions.append(condition)
        if index == len(tokens):
            break
        token = tokens[index]
        if token.kind != "word" or token.text != "AND":
            hint = " (AND is upper case)" if token.kind == "word" and token.text == "and" else ""
            raise _filter_invalid(
                f"expected AND between conditions, found {token.describe()}{hint}"
            )
        index += 1
        if index == len(tokens):
            raise _filter_invalid("expected a condition after the final AND")
    return conditions


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        start = i
        if char.isspace():
            i += 1
        elif char in _QUOTES:
            value, i = _read_string(text, i)
            tokens.append(_Token("string", value, start + 1))
        elif char in "(),":
            tokens.append(_Token("punctuation", char, start + 1))
            i += 1
        elif char in "=!<>:":
            operator = text[i : i + 2] if text[i : i + 2] in _OPERATORS else char
            if operator not in _OPERATORS:
                raise _filter_invalid(
                    f"unexpected {_show(char)} at character {start + 1}; "
                    "operators are = != < <= > >= and :"
                )
            tokens.append(_Token("operator", operator, start + 1))
            i += len(operator)
        else:
            while i < len(text) and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            tokens.append(_Token("word", text[start:i], start + 1))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read the string literal opening at ``start``; return it and the index after it."""
    quote = text[start]
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(chars), i + 1
        if char == "\\":
            escaped = text[i + 1 : i + 2]
            if escaped not in ("\\", '"', "'"):
                raise _filter_invalid(
                    f"unsupported escape at character {i + 1}; "
                    "inside strings a backslash may only precede a quote or a backslash"
                )
            chars.append(escaped)
            i += 2
        else:
            chars.append(char)
            i += 1
    raise _filter_invalid(f"the string opened at character {start + 1} is not closed")


def _reject_unsupported(tokens: Sequence[_Token]) -> None:
    """Name the first AIP-160 construct this subset lacks.

    Done before parsing, so that `a = 1 OR (b = 2)` is reported as OR rather
    than as a syntax error somewhere after it.
    """
    for i, token in enumerate(tokens):
        where = f"at character {token.position}"
        if token.kind == "punctuation" and token.text == "(":
            before = tokens[i - 1] if i > 0 else None
            if before is not None and before.kind == "word":
                raise _filter_unsupported(
                    f"function call {_show(before.text + '(...)')} {where} is not supported"
                )
            raise _filter_unsupported(f"parentheses {where} are not supported")
        if token.kind == "punctuation" and token.text == ")":
            raise _filter_unsupported(f"parentheses {where} are not supported")
        if token.kind == "word" and token.text in ("OR", "NOT"):
            raise _filter_unsupported(f"{token.text} {where} is not supported")
        if token.kind == "word" and token.text.startswith("-"):
            raise _filter_unsupported(f"negation with - {where} is not supported")


def _parse_condition(tokens: Sequence[_Token], index: int) -> tuple[_Condition, int]:
    field_token = tokens[index]
    field = field_token.text
    if field_token.kind != "word" or field == "AND":
        raise _filter_invalid(f"expected a field name, found {field_token.describe()}")
    if "." in field:
        raise _filter_unsupported(
            f"field traversal {_show(field)} at character {field_token.position} is not supported"
        )
    if field not in _FILTER_FIELDS:
        raise _Invalid(
            "FILTER_UNKNOWN_FIELD",
            f"unknown field {_show(field)}; filter accepts {', '.join(_FILTER_FIELDS)}",
        )
    allowed = _ALLOWED_OPERATORS[field]
    if index + 1 == len(tokens) or tokens[index + 1].kind != "operator":
        found = "the end" if index + 1 == len(tokens) else tokens[index + 1].describe()
        raise _filter_invalid(
            f"expected an operator ({' '.join(allowed)}) after {field}, found {found}; "
            f"for example {_EXAMPLES[field]}"
        )
    operator = tokens[index + 1].text
    if operator not in allowed:
        raise _filter_invalid(
            f"operator {operator} is not allowed for {field}; use {' '.join(allowed)}"
        )
    if index + 2 == len(tokens) or tokens[index + 2].kind not in ("word", "string"):
        found = "the end" if index + 2 == len(tokens) else tokens[index + 2].describe()
        raise _filter_invalid(
            f"expected a value after {field} {operator}, found {found}; "
            f"for example {_EXAMPLES[field]}"
        )
    value_token = tokens[index + 2]
    if field != "state" and value_token.kind != "string":
        raise _filter_invalid(
            f"{field} needs a quoted value, "
            f"found {value_token.describe()}; for example {_EXAMPLES[field]}"
        )
    return _CONDITION_BUILDERS[field](operator, value_token), index + 3


def _state_condition(operator: str, token: _Token) -> _Condition:
    if token.text not in (State.ACTIVE, State.DISABLED):
        raise _filter_invalid(f"state must be ACTIVE or DISABLED, found {token.describe()}")
    return _Condition(
        _compare(Account.state, operator, token.text), ("state", operator, token.text)
    )


def _email_condition(operator: str, token: _Token) -> _Condition:
    canonical = email_lookup_key(token.text)
    return _Condition(
        _compare(Account.email_canonical, operator, canonical), ("email", operator, canonical)
    )


def _name_condition(operator: str, token: _Token) -> _Condition:
    # Folded as name_folded is: Python's casefold covers all of Unicode, which
    # SQLite's lower() and LIKE do not.
    folded = token.text.casefold()
    column = Account.name_folded
    clause: ColumnElement[bool]
    if operator == ":":
        clause = column.like(f"%{_escape_like(folded)}%", escape=_LIKE_ESCAPE)
    elif folded.endswith("*"):
        prefix = folded[:-1]
        if "*" in prefix:
            raise _filter_invalid(
                f"in the name at character {token.position} only a trailing * is "
                'supported (a prefix match); use name : "text" to match anywhere'
            )
        pattern = f"{_escape_like(prefix)}%"
        if operator == "=":
            clause = column.like(pattern, escape=_LIKE_ESCAPE)
        else:
            clause = column.not_like(pattern, escape=_LIKE_ESCAPE)
    elif "*" in folded:
        raise _filter_invalid(
            f"in the name at character {token.position} only a trailing * is "
            'supported (a prefix match); use name : "text" to match anywhere'
        )
    else:
        clause = _compare(column, operator, folded)
    return _Condition(clause, ("name", operator, folded))


def _create_time_condition(operator: str, token: _Token) -> _Condition:
    moment = _parse_timestamp(token.text)
    if moment is None:
        raise _filter_invalid(
            f"create_time needs an RFC 3339 timestamp with a time zone, such as "
            f'"2026-01-01T00:00:00Z" or "2026-01-01T01:00:00.5+01:00"; '
            f"the value at character {token.position} is not one"
        )
    return _Condition(
        _compare(Account.create_time, operator, moment),
        ("create_time", operator, moment.isoformat()),
    )


def _compare(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[datetime],
    operator: str,
    value: str | datetime,
) -> ColumnElement[bool]:
    if operator == "=":
        return column == value
    if operator == "!=":
        return column != value
    if operator == "<":
        return column < value
    if operator == "<=":
        return column <= value
    if operator == ">":
        return column > value
    return column >= value


_CONDITION_BUILDERS: dict[str, Callable[[str, _Token], _Condition]] = {
    "state": _state_condition,
    "email": _email_condition,
    "name": _name_condition,
    "create_time": _create_time_condition,
}


def _parse_timestamp(text: str) -> datetime | None:
    """An RFC 3339 timestamp in UTC, or None.

    Stricter than datetime.fromisoformat, which also accepts ISO 8601 forms
    without a time zone or with week dates. Digits beyond microseconds must
    be zero: stored times have microsecond precision, and truncating would
    turn `<` into `<=` for a stored time equal to the truncated value.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, offset_h, offset_m = match.groups()
    fraction = fraction or ""
    if fraction[6:].strip("0") or int(offset_m or 0) > 59:
        return None
    try:
        offset = timedelta(hours=int(offset_h or 0), minutes=int(offset_m or 0))
        zone = timezone(-offset if sign == "-" else offset)
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int(fraction[:6].ljust(6, "0")),
            tzinfo=zone,
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # Out-of-range fields, leap seconds, or a time that is not
        # representable once moved to UTC.
        return None


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


def _show(word: str) -> str:
    shown = word if len(word) <= _WORD_SHOWN else word[:_WORD_SHOWN] + "..."
    return json.dumps(shown, ensure_ascii=False)


# --- page tokens ------------------------------------------------------------


def _fingerprint(conditions: Sequence[_Condition], ordering: Ordering) -> str:
    # Sorted: the same conditions in another order are the same query.
    normalized = [sorted(c.normalized for c in conditions), ordering.normalized()]
    data = json.dumps(normalized, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class _Position:
    """Where a page token says the previous page ended."""

    fingerprint: str
    sort_value: str
    last_id: str


def _decode_token(token: str, key: bytes) -> _Position | None:
    """The position a genuine token carries, or None."""
    if not set(token) <= _TOKEN_ALPHABET:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    nonce, sealed = raw[:_NONCE_LENGTH], raw[_NONCE_LENGTH:]
    try:
        data = AESGCM(key).decrypt(nonce, sealed, _TOKEN_CONTEXT)
    except (InvalidTag, ValueError):
        return None
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("v") != _TOKEN_VERSION:
        return None
    fingerprint, sort_value, last_id = payload.get("f"), payload.get("k"), payload.get("i")
    if isinstance(fingerprint, str) and isinstance(sort_value, str) and isinstance(last_id, str):
        return _Position(fingerprint, sort_value, last_id)
    return None


def _after(position: _Position, ordering: Ordering) -> ColumnElement[bool]:
    """Rows strictly after the token's row in the chosen order."""
    value = ordering.parse_sort_value(position.sort_value)
    column = ordering.column()
    # Spelled out rather than as a row-value comparison, which not every SQLite
    # build has; the leading range condition lets PostgreSQL scan an index range.
    if ordering.descending:
        return and_(column <= value, or_(column < value, Account.id < position.last_id))
    return and_(column >= value, or_(column > value, Account.id > position.last_id))
