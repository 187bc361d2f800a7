"""Ordering and keyset pagination with opaque, tamper-evident page tokens (AIP-132, AIP-158).

``order_by`` names one or more sortable fields, each optionally followed by
``asc`` or ``desc`` (``"family_name, create_time desc"``); the resource's id
always breaks ties, in the direction of the last field. A page is the rows
after the previous page's last row in that order (keyset pagination), so
pages stay stable while rows are created or deleted, and no page costs more
than the first.

A page token is AES-GCM sealed (opaque to clients, and any change makes it
invalid) and carries the last row's sort key plus a fingerprint of the
request's filter, order and ``show_deleted``: a token is refused for any
other query (AIP-158). The key is the host's, shared by every replica.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import ColumnElement, and_, or_

from crm_host.errors import shown

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_ORDER_FIELDS = 4

_TOKEN_VERSION = 1
_NONCE_LENGTH = 12
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class PagingError(Exception):
    """A bad page_size, page_token or order_by: ``field``, ``reason``, ``description``."""

    def __init__(self, field: str, reason: str, description: str) -> None:
        super().__init__(description)
        self.field = field
        self.reason = reason
        self.description = description


@dataclass(frozen=True)
class Sortable:
    """A field clients may order by: its column, and how its values travel in tokens."""

    path: str
    column: ColumnElement[Any]
    # Values of the column as JSON can carry them: datetimes as ISO text.
    encode: Callable[[Any], Any] = lambda value: value
    decode: Callable[[Any], Any] = lambda value: value


def datetime_sortable(path: str, column: ColumnElement[Any]) -> Sortable:
    """A timestamp field, carried in tokens as ISO 8601 text."""
    return Sortable(
        path,
        column,
        encode=lambda value: value.isoformat() if isinstance(value, datetime) else value,
        decode=lambda value: datetime.fromisoformat(value) if isinstance(value, str) else value,
    )


@dataclass(frozen=True)
class Window:
    """What one page reads: the rows after ``key`` (None on the first page), at most ``limit``.

    ``key`` is the previous page's last row: its sort values, decoded, then its id.
    """

    key: tuple[Any, ...] | None
    limit: int


@dataclass(frozen=True)
class OrderTerm:
    field: Sortable
    descending: bool

    def normalized(self) -> str:
        return f"{self.field.path} {'desc' if self.descending else 'asc'}"


@dataclass(frozen=True)
class Ordering:
    """The parsed order_by: its terms, then the id in the last term's direction."""

    terms: tuple[OrderTerm, ...]
    id_column: ColumnElement[Any]

    @property
    def descending(self) -> bool:
        return self.terms[-1].descending if self.terms else False

    def normalized(self) -> str:
        return ", ".join(term.normalized() for term in self.terms)

    def order_by(self) -> list[ColumnElement[Any]]:
        columns: list[ColumnElement[Any]] = [
            t.field.column.desc() if t.descending else t.field.column.asc() for t in self.terms
        ]
        columns.append(self.id_column.desc() if self.descending else self.id_column.asc())
        return columns

    def sort_key(self, row: Any, id_value: str) -> list[Any]:
        """The row's position, as a page token carries it."""
        values = [term.field.encode(getattr(row, _attribute(term.field))) for term in self.terms]
        return [*values, id_value]

    def decoded(self, key: Sequence[Any]) -> tuple[Any, ...]:
        """A page token's key as column values: each term's decoded, then the id."""
        *values, last_id = key
        decoded = [term.field.decode(value) for term, value in zip(self.terms, values, strict=True)]
        return (*decoded, last_id)

    def after(self, key: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after ``key`` in this order.

        Spelled out as nested OR/AND rather than a row-value comparison, which
        not every SQLite build has and which cannot mix directions; the
        leading range condition lets an index range scan start at the key.
        """
        *decoded, last_id = self.decoded(key)
        id_after = self.id_column < last_id if self.descending else self.id_column > last_id
        clause: ColumnElement[bool] = id_after
        for term, value in reversed(list(zip(self.terms, decoded, strict=True))):
            column = term.field.column
            beyond = column < value if term.descending else column > value
            clause = or_(beyond, and_(column == value, clause))
        if self.terms:
            first, value = self.terms[0], decoded[0]
            column = first.field.column
            start = column <= value if first.descending else column >= value
            clause = and_(start, clause)
        return clause


def _attribute(field: Sortable) -> str:
    """The name a selected row carries the sort column under."""
    return f"_sort_{field.path.replace('.', '_')}"


def sort_columns(ordering: Ordering) -> list[ColumnElement[Any]]:
    """The sort columns labelled for reading back with :meth:`Ordering.sort_key`."""
    return [term.field.column.label(_attribute(term.field)) for term in ordering.terms]


def parse_order_by(
    text: str,
    fields: Mapping[str, Sortable],
    id_column: ColumnElement[Any],
    default: Sequence[tuple[str, bool]],
) -> Ordering:
    """``order_by`` as an Ordering, or PagingError naming what is wrong."""
    accepted = ", ".join(fields) or "nothing"

    def invalid(problem: str) -> PagingError:
        return PagingError(
            "order_by",
            "ORDER_BY_INVALID",
            f"{problem}; order_by accepts {accepted}, each optionally followed by asc or desc, "
            "separated by commas",
        )

    if "\x00" in text:
        raise invalid("must not contain NUL characters")
    if not text.strip():
        return Ordering(tuple(OrderTerm(fields[p], d) for p, d in default), id_column)
    parts = text.split(",")
    if len(parts) > MAX_ORDER_FIELDS:
        raise invalid(f"at most {MAX_ORDER_FIELDS} fields")
    terms: list[OrderTerm] = []
    for part in parts:
        words = part.split()
        if not words:
            raise invalid("an empty field between commas")
        field = fields.get(words[0])
        if field is None:
            raise invalid(f"unknown field {shown(words[0])}")
        if any(term.field.path == field.path for term in terms):
            raise invalid(f"{field.path} is named twice")
        if len(words) > 2:
            raise invalid(f"unexpected {shown(words[2])} after {words[0]} {words[1]}")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise invalid(f"unknown direction {shown(words[1])}")
        terms.append(OrderTerm(field, direction == "desc"))
    return Ordering(tuple(terms), id_column)


def page_size_of(requested: int) -> int:
    """AIP-158: 0 means the default, larger than the maximum is capped, negative is an error."""
    if requested < 0:
        raise PagingError("page_size", "PAGE_SIZE_NEGATIVE", "must not be negative")
    return DEFAULT_PAGE_SIZE if requested == 0 else min(requested, MAX_PAGE_SIZE)


def fingerprint(*parts: str) -> str:
    """What a page token is bound to: the query's normalized filter, order and options."""
    data = json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()[:24]


class PageTokens:
    """Seals and opens page tokens with one key; ``context`` keeps resources' tokens apart."""

    def __init__(self, key: bytes, context: str) -> None:
        self._aead = AESGCM(key)
        self._context = f"crm_host.kit.page_token\x00{context}".encode()

    def seal(self, query: str, key: Sequence[Any]) -> str:
        payload = {"v": _TOKEN_VERSION, "q": query, "k": list(key)}
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        nonce = os.urandom(_NONCE_LENGTH)
        sealed = self._aead.encrypt(nonce, data, self._context)
        return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")

    def open(self, token: str, query: str, length: int) -> list[Any]:
        """The position ``token`` carries for this ``query``, or PagingError."""
        payload = self._payload(token)
        if payload is None or len(payload["k"]) != length:
            raise PagingError(
                "page_token",
                "PAGE_TOKEN_INVALID",
                "is not a page token from this query; omit page_token to start again from "
                "the first page",
            )
        if payload["q"] != query:
            raise PagingError(
                "page_token",
                "PAGE_TOKEN_MISMATCH",
                "filter, order_by and show_deleted must not change between pages; send the "
                "first page's, or omit page_token to start again",
            )
        key: list[Any] = payload["k"]
        return key

    def _payload(self, token: str) -> dict[str, Any] | None:
        if not set(token) <= _TOKEN_ALPHABET:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            return None
        nonce, sealed = raw[:_NONCE_LENGTH], raw[_NONCE_LENGTH:]
        try:
            data = self._aead.decrypt(nonce, sealed, self._context)
            payload = json.loads(data)
        except (InvalidTag, ValueError):
            return None
        if (
            not isinstance(payload, dict)
            or payload.get("v") != _TOKEN_VERSION
            or not isinstance(payload.get("q"), str)
            or not isinstance(payload.get("k"), list)
        ):
            return None
        return payload
