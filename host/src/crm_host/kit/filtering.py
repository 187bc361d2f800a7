r"""AIP-160 filters, parsed by hand and compiled to SQLAlchemy expressions.

A resource declares the fields clients may filter on, each a
:class:`Filterable`; :func:`parse_filter` turns a request's ``filter`` into a
:class:`Filter`: a clause for ``Select.where`` and a canonical text that page
tokens are bound to. Every problem raises :class:`FilterError`, whose reason
and description go into the ``BadRequest`` field violation for ``filter``.

Grammar, in EBNF: AIP-160's (https://google.aip.dev/160), less what the
comments mark unsupported, which is refused with FILTER_UNSUPPORTED::

    filter      = [ expression ] ;
    expression  = sequence { "AND" sequence } ;
    sequence    = factor ;                 (* AIP: factor { factor }, an implicit AND *)
    factor      = term { "OR" term } ;
    term        = [ "NOT" | "-" ] simple ;
    simple      = restriction | composite ;
    composite   = "(" expression ")" ;
    restriction = member comparator arg ;  (* AIP: member alone, a global restriction *)
    member      = WORD { "." ( WORD | STRING ) } ;      (* AIP: or a function call *)
    comparator  = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":" ;
    arg         = STRING | WORD { "." WORD } ;   (* AIP: or a composite, or a call *)

    KEYWORD = "AND" | "OR" | "NOT" ;   (* upper case only *)
    WORD    = a run of characters other than white space and " ' ( ) = ! < > : , .
              that is not a KEYWORD (a KEYWORD may follow a "." in a member) ;
    STRING  = '"' { CHARACTER - ( '"' | BACKSLASH ) | ESCAPE } '"'
            | "'" { CHARACTER - ( "'" | BACKSLASH ) | ESCAPE } "'" ;
    ESCAPE  = BACKSLASH ( '"' | "'" | BACKSLASH ) ;   (* the character after it *)

White space separates tokens and is otherwise ignored. ``OR`` binds tighter
than ``AND``: ``a AND b OR c`` is ``a AND (b OR c)``. ``NOT`` needs white
space or a ``(`` after it; ``-`` needs neither (``-state = ACTIVE``), and a
``-`` inside an arg is part of the value (``age > -5``). Negation applies to
one restriction or one composite: ``NOT NOT a`` is written ``NOT (NOT a)``.
An arg made of words and dots is one value: ``score > 2.5``, ``email =
jo@example.com``.

The field on the left is a declared path (``family_name``,
``address.country_code``), or a map field and one key (``labels.tier``,
``labels."a key"``). The arg on the right is a literal of the field's type;
a STRING or a bare WORD alike, so ``state = ACTIVE`` and ``state =
"ACTIVE"`` are the same:

============  =====================  ==========================================
type          operators (default)    literal
============  =====================  ==========================================
STRING        = != < <= > >= :       text; with = and != a leading ``*`` is a
                                     suffix match, a trailing one a prefix
                                     match, both a substring match (``*``
                                     elsewhere is refused); ``:`` is a
                                     substring match in which ``*`` is a
                                     character like any other
INTEGER       = != < <= > >= :       ``-12``: a signed 64-bit integer
FLOAT         = != < <= > >= :       ``2.5``, ``-1e6``: finite
BOOLEAN       = != :                 ``true`` or ``false``
TIMESTAMP     = != < <= > >=         RFC 3339 with a time zone, in quotes
                                     (``"2026-01-01T09:30:00.25+01:00"``);
                                     digits beyond microseconds must be zero
ENUM          = !=                   one of the declared names, exact case
map           = != :                 ``m.key = "v"`` compares key's value,
                                     ``m:key`` and ``m.key:*`` test for the key
============  =====================  ==========================================

On numbers and booleans ``:`` means ``=``. ``field:*`` (presence) works on
map keys only. Fields may narrow or widen their operators.

Missing values: ``!=`` and ``NOT`` include rows whose column is NULL (they
are "not equal"), and ``NOT f`` returns exactly the rows ``f`` does not; the
comparisons ``=`` ``<`` ``<=`` ``>`` ``>=`` ``:`` never match NULL.

Limits, so that no filter costs unbounded time: at most ``max_length``
characters (checked before anything else), parentheses at most 32 deep, at
most 64 restrictions. NUL characters and lone surrogates are refused:
PostgreSQL cannot store them in text.

Errors never repeat a string literal's content, which may be personal data
and ends up in logs; they show field names, operators and bare words
(shortened), with their 1-based character positions.

The canonical text is the filter re-written from what it means: one space
around operators (none around ``:``), ``NOT`` for ``-``, double quotes, the
field's own spelling of literals (``age = 7`` for ``age:"07"``, timestamps
in UTC), no redundant parentheses; nested ORs inside AND are parenthesized.
Equivalent spellings give the same canonical text; it parses to the same
filter.

Engines differ where the declaring code must choose the column: on SQLite,
LIKE (``*`` and ``:`` on strings) ignores the case of ASCII letters, and
PostgreSQL orders text by the database's collation. A column of case-folded
text with ``fold=str.casefold`` matches the same on both.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal, NoReturn

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_, true

from crm_host.errors import shown

__all__ = [
    "Filter",
    "FilterError",
    "Filterable",
    "ValueType",
    "compare",
    "parse_filter",
]

_INVALID = "FILTER_INVALID"
_UNKNOWN_FIELD = "FILTER_UNKNOWN_FIELD"
_UNSUPPORTED = "FILTER_UNSUPPORTED"
_TOO_COMPLEX = "FILTER_TOO_COMPLEX"

_MAX_DEPTH = 32
_MAX_RESTRICTIONS = 64
# Accepted fields an unknown-field error lists before "and N more".
_FIELDS_LISTED = 15

_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", ":")
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_QUOTES = "\"'"
# Characters that end a word; white space does too.
_SPECIAL = frozenset(_QUOTES + "()=!<>:,.")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")
_INT64 = (-(2**63), 2**63 - 1)
_LIKE_ESCAPE = "/"


class FilterError(Exception):
    """A filter a client sent that cannot be used, and why.

    ``reason`` is FILTER_INVALID (malformed, or a wrong operator or literal
    for the field), FILTER_UNKNOWN_FIELD, FILTER_UNSUPPORTED (AIP-160 allows
    it, this implementation does not) or FILTER_TOO_COMPLEX. ``description``
    (also ``str(error)``) says what is wrong and how to fix it.
    """

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description

    def __str__(self) -> str:
        return self.description


class ValueType(enum.Enum):
    """The type of a filterable field: how literals are read and compared."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "number"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    ENUM = "enum"


_DEFAULT_OPERATORS = {
    ValueType.STRING: frozenset(_OPERATORS),
    ValueType.INTEGER: frozenset(_OPERATORS),
    ValueType.FLOAT: frozenset(_OPERATORS),
    ValueType.BOOLEAN: frozenset({"=", "!=", ":"}),
    ValueType.TIMESTAMP: frozenset({"=", "!=", "<", "<=", ">", ">="}),
    ValueType.ENUM: frozenset({"=", "!="}),
}
_MAP_OPERATORS = frozenset({"=", "!=", ":"})


@dataclass(frozen=True)
class Filterable:
    """A field clients may filter on, and how it compiles.

    ``path`` is the field as clients write it (``family_name``,
    ``address.country_code``, ``labels``). ``column`` is what is compared: a
    column, an ORM attribute or any SQL expression; see :func:`compare`.
    ``fold`` is applied to STRING literals (``str.casefold`` when the column
    holds folded text). ``operators`` replaces the type's default set.

    Fields whose SQL the declaring code builds itself (repeated fields, maps,
    joins) give ``compile``, which is used instead of ``column``: it receives the operator
    as the client wrote it and the literal converted to the field's type
    (``str``, ``int``, ``float``, ``bool``, an aware UTC ``datetime``, or an
    ENUM name; STRING literals keep their ``*`` wildcards, validated), and
    returns the clause. :func:`compare` gives a column the same meaning a
    declared ``column`` gets.

    ``map_keys`` makes the field a map of string keys to values of ``type``:
    clients write ``labels.tier = "gold"`` and ``labels:tier`` (has key
    ``tier``; also ``labels.tier:*``). Maps need ``compile``, which receives
    ``(key, value)``, with ``value`` None and the operator ``:`` for "has
    key".
    """

    path: str
    type: ValueType
    column: SQLColumnExpression[Any] | None = None
    enum_values: tuple[str, ...] = ()
    fold: Callable[[str], str] | None = None
    compile: Callable[[str, Any], ColumnElement[bool]] | None = None
    operators: frozenset[str] | None = None
    map_keys: bool = False

    def __post_init__(self) -> None:
        names = self.path.split(".")
        if not all(_NAME.fullmatch(name) and name not in _KEYWORDS for name in names):
            raise ValueError(
                f"filterable path {self.path!r}: each dotted name must be a letter or _ "
                "followed by letters, digits or _, and not AND, OR or NOT"
            )
        if self.column is None and self.compile is None:
            raise ValueError(f"filterable {self.path!r} needs a column or a compile function")
        if self.map_keys and self.compile is None:
            raise ValueError(f"filterable map {self.path!r} needs a compile function")
        if (self.type is ValueType.ENUM) != bool(self.enum_values):
            raise ValueError(f"filterable {self.path!r}: ENUM needs enum_values, others take none")
        if self.fold is not None and self.type is not ValueType.STRING:
            raise ValueError(f"filterable {self.path!r}: fold applies to STRING fields only")
        if self.operators is not None and not self.operators <= frozenset(_OPERATORS):
            unknown = sorted(self.operators - frozenset(_OPERATORS))
            raise ValueError(f"filterable {self.path!r}: unknown operators {unknown}")


@dataclass(frozen=True)
class Filter:
    """A parsed filter: what to add to the query, and its canonical text."""

    clause: ColumnElement[bool] | None
    canonical: str


def parse_filter(text: str, fields: Mapping[str, Filterable], *, max_length: int = 2000) -> Filter:
    """Parse and compile an AIP-160 ``filter`` over ``fields``, or raise FilterError.

    ``fields`` maps each field's path to its declaration. An empty filter (or
    only white space) gives ``Filter(None, "")``.
    """
    if len(text) > max_length:
        raise FilterError(_INVALID, f"must be at most {max_length} characters")
    unsafe = _UNSAFE_TEXT.search(text)
    if unsafe is not None:
        what = "a NUL character" if unsafe.group() == "\x00" else "a lone surrogate"
        raise FilterError(
            _INVALID, f"must not contain {what} (found one at character {unsafe.start() + 1})"
        )
    for path, field in fields.items():
        if path != field.path:
            raise ValueError(f"filterable declared under {path!r} has path {field.path!r}")
    tokens = _tokenize(text)
    node = _Parser(tokens, fields).parse()
    if node is None:
        return Filter(None, "")
    return Filter(_clause(node), _render(node, None))


def compare(column: SQLColumnExpression[Any], operator: str, value: object) -> ColumnElement[bool]:
    """``column operator value`` with the meaning filters give it.

    For a ``str`` value, ``=`` and ``!=`` treat a leading or trailing ``*``
    as a wildcard and ``:`` is a substring match (LIKE, with ``%`` ``_`` and
    the escape character escaped); for other values ``:`` is ``=``. ``!=``
    is true where the column is NULL. Meant for ``Filterable.compile``
    functions, with the operator and the literal they receive.
    """
    if isinstance(value, str):
        if operator == ":":
            return column.like(f"%{_escape_like(value)}%", escape=_LIKE_ESCAPE)
        if operator in ("=", "!=") and (value.startswith("*") or value.endswith("*")):
            pattern = _wildcard_pattern(value)
            if operator == "=":
                return column.like(pattern, escape=_LIKE_ESCAPE)
            return or_(column.not_like(pattern, escape=_LIKE_ESCAPE), column.is_(None))
    elif operator == ":":
        operator = "="
    if operator == "=":
        return column == value
    if operator == "!=":
        return column.is_distinct_from(value)
    if operator == "<":
        return column < value
    if operator == "<=":
        return column <= value
    if operator == ">":
        return column > value
    if operator == ">=":
        return column >= value
    raise ValueError(f"unknown filter operator {operator!r}")


# --- tokens -----------------------------------------------------------------

_Kind = Literal["word", "string", "operator", "(", ")", ",", ".", "end"]
_PUNCTUATION: dict[str, _Kind] = {"(": "(", ")": ")", ",": ",", ".": "."}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str  # a string's content, unquoted
    start: int  # index in the filter
    end: int  # index after the token

    @property
    def position(self) -> int:
        """1-based, as editors count columns."""
        return self.start + 1

    def is_keyword(self, keyword: str | None = None) -> bool:
        if self.kind != "word" or self.text not in _KEYWORDS:
            return False
        return keyword is None or self.text == keyword

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the filter"
        # A string's content is never repeated: it may be personal data.
        if self.kind == "string":
            return f"a string at character {self.position}"
        if self.is_keyword():
            return f"{self.text} at character {self.position}"
        return f"{shown(self.text)} at character {self.position}"


def _invalid(description: str) -> NoReturn:
    raise FilterError(_INVALID, description)


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
            tokens.append(_Token("string", value, start, i))
        elif char in _PUNCTUATION:
            tokens.append(_Token(_PUNCTUATION[char], char, start, start + 1))
            i += 1
        elif char in "=!<>:":
            two = text[i : i + 2]
            operator = two if two in ("!=", "<=", ">=") else char
            if operator == "!":
                _invalid(
                    f"unexpected '!' at character {start + 1}; "
                    "the operators are = != < <= > >= and :"
                )
            tokens.append(_Token("operator", operator, start, start + len(operator)))
            i += len(operator)
        else:
            while i < len(text) and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            tokens.append(_Token("word", text[start:i], start, i))
    tokens.append(_Token("end", "", len(text), len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The string literal opening at ``start``, unescaped, and the index after it."""
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
                _invalid(
                    f"unsupported escape at character {i + 1}; in a string a backslash "
                    "may only precede a quote or a backslash"
                )
            chars.append(escaped)
            i += 2
        else:
            chars.append(char)
            i += 1
    _invalid(f"the string opened at character {start + 1} is not closed")


# --- syntax tree ------------------------------------------------------------


@dataclass(frozen=True)
class _Restriction:
    canonical: str
    clause: ColumnElement[bool]


@dataclass(frozen=True)
class _Not:
    operand: _Node


@dataclass(frozen=True)
class _Group:
    operator: Literal["AND", "OR"]
    operands: tuple[_Node, ...]


_Node = _Restriction | _Not | _Group


def _group(operator: Literal["AND", "OR"], operands: Sequence[_Node]) -> _Node:
    """The operands joined by ``operator``, nested groups of the same operator flattened."""
    if len(operands) == 1:
        return operands[0]
    flat: list[_Node] = []
    for operand in operands:
        if isinstance(operand, _Group) and operand.operator == operator:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return _Group(operator, tuple(flat))


def _clause(node: _Node) -> ColumnElement[bool]:
    if isinstance(node, _Restriction):
        return node.clause
    if isinstance(node, _Not):
        # IS NOT TRUE rather than NOT: where the clause is NULL (a NULL
        # column), NOT would be NULL too and drop the row from both a
        # filter and its negation.
        return _clause(node.operand).is_not(true())
    clauses = [_clause(operand) for operand in node.operands]
    return and_(*clauses) if node.operator == "AND" else or_(*clauses)


def _render(node: _Node, parent: str | None) -> str:
    if isinstance(node, _Restriction):
        return node.canonical
    if isinstance(node, _Not):
        operand = _render(node.operand, "NOT")
        return f"NOT {operand}" if isinstance(node.operand, _Restriction) else f"NOT ({operand})"
    text = f" {node.operator} ".join(_render(operand, node.operator) for operand in node.operands)
    # Within NOT, the NOT branch adds the parentheses.
    return f"({text})" if parent in ("AND", "OR") else text


# --- parser -----------------------------------------------------------------


@dataclass(frozen=True)
class _Literal:
    text: str
    quoted: bool
    token: _Token  # the first token, for positions and descriptions

    def describe(self) -> str:
        if self.quoted:
            return self.token.describe()
        return f"{shown(self.text)} at character {self.token.position}"


class _Parser:
    """Recursive descent over the grammar in the module docstring, one method a rule."""

    def __init__(self, tokens: list[_Token], fields: Mapping[str, Filterable]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.restrictions = 0
        self.fields = fields
        self.paths = {tuple(field.path.split(".")): field for field in fields.values()}

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    # filter = [ expression ]
    def parse(self) -> _Node | None:
        if self.peek().kind == "end":
            return None
        node = self.expression()
        token = self.peek()
        if token.kind == ")":
            _invalid(f"unexpected ) at character {token.position}: no ( is open")
        return node

    # expression = sequence { "AND" sequence }
    def expression(self) -> _Node:
        operands = [self.sequence()]
        while self.peek().is_keyword("AND"):
            self.advance()
            operands.append(self.sequence())
        return _group("AND", operands)

    # sequence = factor  (AIP: factor { factor })
    def sequence(self) -> _Node:
        factor = self.factor()
        token = self.peek()
        if token.kind in ("end", ")") or token.is_keyword("AND"):
            return factor
        if token.kind in ("word", "string", "("):
            if token.kind == "word" and token.text.upper() in _KEYWORDS - {token.text}:
                raise FilterError(
                    _UNSUPPORTED,
                    f"restrictions side by side are not supported: found {token.describe()}; "
                    "AND, OR and NOT are upper case",
                )
            raise FilterError(
                _UNSUPPORTED,
                f"restrictions side by side are not supported: found {token.describe()} "
                "after a restriction; join restrictions with AND, "
                "and quote values that contain spaces",
            )
        _invalid(
            f"unexpected {token.describe()}; after a restriction comes AND, OR, ) "
            "or the end of the filter"
        )

    # factor = term { "OR" term }
    def factor(self) -> _Node:
        operands = [self.term()]
        while self.peek().is_keyword("OR"):
            self.advance()
            operands.append(self.term())
        return _group("OR", operands)

    # term = [ "NOT" | "-" ] simple
    def term(self) -> _Node:
        token = self.peek()
        if token.is_keyword("NOT"):
            self.advance()
            return _Not(self.simple(token))
        if token.kind == "word" and token.text.startswith("-"):
            if token.text == "-":
                self.advance()
            else:
                # "-state" is negation and the word "state".
                rest = _Token("word", token.text[1:], token.start + 1, token.end)
                self.tokens[self.index] = rest
            return _Not(self.simple(token))
        return self.simple(None)

    # simple = restriction | composite
    def simple(self, negation: _Token | None) -> _Node:
        token = self.peek()
        if token.kind == "(":
            return self.composite()
        if negation is not None and (
            token.is_keyword("NOT") or (token.kind == "word" and token.text.startswith("-"))
        ):
            name = "NOT" if negation.is_keyword("NOT") else "-"
            _invalid(
                f"{name} at character {negation.position} negates a restriction or a "
                f"parenthesized expression, not another negation; write NOT (NOT ...)"
            )
        return self.restriction()

    # composite = "(" expression ")"
    def composite(self) -> _Node:
        opening = self.advance()
        if self.depth == _MAX_DEPTH:
            raise FilterError(
                _TOO_COMPLEX,
                f"parentheses may nest at most {_MAX_DEPTH} deep; the ( at character "
                f"{opening.position} is deeper",
            )
        self.depth += 1
        node = self.expression()
        closing = self.peek()
        if closing.kind != ")":
            _invalid(f"the ( at character {opening.position} is not closed")
        self.advance()
        self.depth -= 1
        return node

    # restriction = member comparator arg
    def restriction(self) -> _Restriction:
        first = self.peek()
        if first.kind not in ("word", "string") or first.is_keyword():
            _invalid(
                f"expected a restriction (a field, an operator and a value, such as "
                f"{self.example()}), found {first.describe()}"
            )
        self.restrictions += 1
        if self.restrictions > _MAX_RESTRICTIONS:
            raise FilterError(
                _TOO_COMPLEX,
                f"a filter may have at most {_MAX_RESTRICTIONS} restrictions; "
                f"the one at character {first.position} is one more",
            )
        member = self.member()
        token = self.peek()
        if token.kind == "(" and token.start == member[-1].end:
            self.function_call(member, token)
        if token.kind != "operator":
            what = "a string" if first.kind == "string" else "a word"
            raise FilterError(
                _UNSUPPORTED,
                f"{what} on its own at character {first.position} (a global restriction) "
                f"is not supported; name a field, an operator and a value, "
                f"such as {self.example()}",
            )
        operator = self.advance()
        if first.kind == "string":
            _invalid(
                f"a string at character {first.position} is on the left of {operator.text}; "
                "the field goes on the left, the value on the right: field = value"
            )
        field, key = self.resolve(member, operator.text)
        literal = self.arg(field, key, operator.text)
        return _compile(field, key, first, operator, literal)

    # member = WORD { "." ( WORD | STRING ) }
    def member(self) -> list[_Token]:
        segments = [self.advance()]
        while self.peek().kind == ".":
            dot = self.advance()
            segment = self.peek()
            if segment.kind not in ("word", "string"):
                _invalid(
                    f"expected a field name after the . at character {dot.position}, "
                    f"found {segment.describe()}"
                )
            segments.append(self.advance())
        return segments

    def function_call(self, name: Sequence[_Token], opening: _Token) -> NoReturn:
        if all(token.kind == "word" for token in name):
            called = shown(".".join(token.text for token in name) + "(...)")
        else:
            called = "a function"
        raise FilterError(
            _UNSUPPORTED,
            f"function call {called} at character {name[0].position} is not supported; "
            "compare fields with = != < <= > >= or :",
        )

    # arg = STRING | WORD { "." WORD }
    def arg(self, field: Filterable, key: str | None, operator: str) -> _Literal:
        path = _path_text(field, key)
        token = self.peek()
        if token.kind == "(":
            raise FilterError(
                _UNSUPPORTED,
                f"a parenthesized value at character {token.position} is not supported; "
                f"repeat the field for each value: {path} {operator} a OR {path} {operator} b",
            )
        if token.kind not in ("word", "string") or token.is_keyword():
            hint = ""
            if operator == "=" and token.kind == "operator" and token.text == "=":
                hint = " (= compares, there is no ==)"
            elif operator == "<" and token.kind == "operator" and token.text in (">", ">="):
                hint = " (write != for not equal)"
            _invalid(
                f"expected a value after {path} {operator}, found {token.describe()}{hint}; "
                f"for example {_example(field, key, operator)}"
            )
        parts = [self.advance()]
        while self.peek().kind == ".":
            dot = self.advance()
            segment = self.peek()
            if parts[0].kind == "string" or segment.kind != "word" or segment.is_keyword():
                _invalid(
                    f"unexpected . at character {dot.position} in the value of {path}; "
                    "quote a value that contains dots"
                )
            parts.append(self.advance())
        after = self.peek()
        if after.kind == "(" and after.start == parts[-1].end:
            self.function_call(parts, after)
        if parts[0].kind == "string":
            return _Literal(parts[0].text, True, parts[0])
        return _Literal(".".join(part.text for part in parts), False, parts[0])

    def resolve(self, member: Sequence[_Token], operator: str) -> tuple[Filterable, str | None]:
        """The field a member names, and the map key when it names one."""
        names = tuple(token.text for token in member)
        field = self.paths.get(names)
        if field is not None:
            return field, None
        for length in range(len(names) - 1, 0, -1):
            prefix = self.paths.get(names[:length])
            if prefix is None or not prefix.map_keys:
                continue
            if length != len(names) - 1:
                _invalid(
                    f"{prefix.path} at character {member[0].position} is a map: name one key "
                    f"after it, as {prefix.path}.KEY, and quote a key that contains dots, "
                    f'as {prefix.path}."a.b"'
                )
            return prefix, names[-1]
        accepted = sorted(
            f"{field.path}.KEY" if field.map_keys else field.path for field in self.fields.values()
        )
        listed = ", ".join(accepted[:_FIELDS_LISTED])
        if len(accepted) > _FIELDS_LISTED:
            listed += f" and {len(accepted) - _FIELDS_LISTED} more"
        hint = ""
        after = self.peek()
        if after.kind == "word" and tuple(after.text.split(".")) in self.paths:
            hint = f"; the field goes on the left of {operator}"
        written = ".".join(names) if all(t.kind == "word" for t in member) else "a quoted name"
        raise FilterError(
            _UNKNOWN_FIELD,
            f"unknown field {shown(written)} at character {member[0].position}{hint}; "
            f"filter accepts {listed or 'no fields'}",
        )

    def example(self) -> str:
        field = next(iter(self.fields.values()), None)
        return 'field = "value"' if field is None else _example(field, None, "=")


# --- restrictions -----------------------------------------------------------


def _compile(
    field: Filterable, key: str | None, at: _Token, operator_token: _Token, literal: _Literal
) -> _Restriction:
    """One restriction's clause and canonical text, or FilterError."""
    operator = operator_token.text
    path = _path_text(field, key)
    allowed = field.operators
    if allowed is None:
        allowed = _MAP_OPERATORS if field.map_keys else _DEFAULT_OPERATORS[field.type]
    if operator not in allowed:
        kind = "a map" if field.map_keys else _TYPE_DESCRIPTIONS[field.type]
        _invalid(
            f"operator {operator} at character {operator_token.position} is not allowed for "
            f"{path} ({kind}); use {' '.join(o for o in _OPERATORS if o in allowed)}"
        )
    presence = operator == ":" and not literal.quoted and literal.text == "*"
    if field.map_keys:
        assert field.compile is not None  # checked by Filterable
        if key is None or presence:
            if key is None:
                if operator != ":":
                    _invalid(
                        f"{field.path} at character {at.position} is a map: compare "
                        f'a key\'s value, as {field.path}.KEY = "value", or test for a key, '
                        f"as {field.path}:KEY"
                    )
                if presence:
                    _invalid(
                        f"{field.path}:* at character {at.position} names no key; "
                        f"test for a key with {field.path}:KEY"
                    )
                key = literal.text
            return _Restriction(
                f"{field.path}:{_render_name(key)}", field.compile(":", (key, None))
            )
    if presence:
        raise FilterError(
            _UNSUPPORTED,
            f"{path}:* at character {at.position} (presence) is supported for map "
            f'keys only; to find a literal *, quote it: {path}:"*"',
        )
    value = _convert(field, path, operator, literal)
    if field.compile is None and operator == ":" and field.type is not ValueType.STRING:
        operator = "="
    separator = operator if operator == ":" else f" {operator} "
    canonical = f"{path}{separator}{_render_value(field, value)}"
    if field.compile is not None:
        argument = value if key is None else (key, value)
        return _Restriction(canonical, field.compile(operator, argument))
    assert field.column is not None  # checked by Filterable
    return _Restriction(canonical, compare(field.column, operator, value))


_TYPE_DESCRIPTIONS = {
    ValueType.STRING: "a string",
    ValueType.INTEGER: "an integer",
    ValueType.FLOAT: "a number",
    ValueType.BOOLEAN: "a boolean",
    ValueType.TIMESTAMP: "a timestamp",
    ValueType.ENUM: "an enum",
}


def _convert(field: Filterable, path: str, operator: str, literal: _Literal) -> object:
    """The literal as a value of the field's type, or FilterError naming what is expected."""
    text = literal.text
    found = f"found {literal.describe()}"
    if field.type is ValueType.STRING:
        value = field.fold(text) if field.fold is not None else text
        if operator in ("=", "!="):
            inner = value[1:] if value.startswith("*") else value
            inner = inner[:-1] if inner.endswith("*") else inner
            if "*" in inner:
                _invalid(
                    f"in the value of {path} at character {literal.token.position}, * may only "
                    f"begin or end it (a suffix, prefix or substring match); to find a literal "
                    f'*, use {path}:"..."'
                )
        elif operator != ":" and "*" in value:
            _invalid(
                f"the value of {path} {operator} at character {literal.token.position} has a *: "
                f'wildcards work with = and != only; to find a literal *, use {path}:"..."'
            )
        return value
    if field.type is ValueType.INTEGER:
        if not _INTEGER.fullmatch(text):
            _invalid(f"{path} expects an integer, such as {path} > 10; {found}")
        # Checked before int(): it is slow on (and refuses) thousands of digits.
        if len(text.lstrip("+-").lstrip("0")) > 19 or not _INT64[0] <= int(text) <= _INT64[1]:
            _invalid(
                f"{path} expects an integer from {_INT64[0]} to {_INT64[1]}; "
                f"the one at character {literal.token.position} is out of range"
            )
        return int(text)
    if field.type is ValueType.FLOAT:
        number = float(text) if _FLOAT.fullmatch(text) else math.nan
        if not math.isfinite(number):
            _invalid(f"{path} expects a finite number, such as {path} > 2.5 or 1e6; {found}")
        return number if number != 0 else 0.0  # not -0.0: the canonical text is 0.0
    if field.type is ValueType.BOOLEAN:
        if text not in ("true", "false"):
            _invalid(f"{path} expects true or false; {found}")
        return text == "true"
    if field.type is ValueType.TIMESTAMP:
        return _parse_timestamp(text, path, literal)
    if text not in field.enum_values:
        names = ", ".join(field.enum_values)
        _invalid(f"{path} expects one of {names} (exact case); {found}")
    return text


def _parse_timestamp(text: str, path: str, literal: _Literal) -> datetime:
    """An RFC 3339 timestamp as an aware UTC datetime, or FilterError.

    Stricter than datetime.fromisoformat, which also takes ISO 8601 forms
    without a time zone. Digits beyond microseconds must be zero: stored
    times have microsecond precision, and rounding would turn < into <= for
    a stored time equal to the rounded one.
    """
    expected = (
        f"{path} expects an RFC 3339 timestamp with a time zone, in quotes, such as "
        f'"2026-01-01T00:00:00Z" or "2026-01-01T09:30:00.25+01:00"'
    )
    match = _RFC3339.fullmatch(text)
    if match is None:
        _invalid(f"{expected}; found {literal.describe()}")
    year, month, day, hour, minute, second, fraction, _, sign, offset_h, offset_m = match.groups()
    fraction = fraction or ""
    if fraction[6:].strip("0"):
        _invalid(
            f"{path} has microsecond precision: the timestamp at character "
            f"{literal.token.position} has non-zero digits beyond the sixth decimal"
        )
    try:
        if int(offset_m or 0) > 59:
            raise ValueError("offset minutes")
        offset = timedelta(hours=int(offset_h or 0), minutes=int(offset_m or 0))
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int(fraction[:6].ljust(6, "0")),
            tzinfo=timezone(-offset if sign == "-" else offset),
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # Out-of-range fields, a leap second, or a time beyond year 1 to 9999 in UTC.
        _invalid(
            f"the timestamp for {path} at character {literal.token.position} is not a valid "
            f"date and time (or not one between years 1 and 9999 in UTC); {expected}"
        )


# --- canonical text ---------------------------------------------------------


def _render_value(field: Filterable, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
        return (
            f'"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:'
            f'{value.minute:02d}:{value.second:02d}{fraction}Z"'
        )
    assert isinstance(value, str)
    if field.type is ValueType.ENUM:
        return _render_name(value)
    return _quote(value)


def _render_name(name: str) -> str:
    """A map key or enum name: bare when it reads back as one word, else quoted."""
    if _NAME.fullmatch(name) and name not in _KEYWORDS:
        return name
    return _quote(name)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _path_text(field: Filterable, key: str | None) -> str:
    return field.path if key is None else f"{field.path}.{_render_name(key)}"


def _example(field: Filterable, key: str | None, operator: str) -> str:
    """A restriction on the field with the operator, for error messages."""
    path = f"{field.path}.KEY" if field.map_keys and key is None else _path_text(field, key)
    if field.type is ValueType.ENUM:
        value = _render_name(field.enum_values[0])
    else:
        value = {
            ValueType.STRING: '"text"',
            ValueType.INTEGER: "10",
            ValueType.FLOAT: "2.5",
            ValueType.BOOLEAN: "true",
            ValueType.TIMESTAMP: '"2026-01-01T00:00:00Z"',
        }[field.type]
    return f"{path}{operator}{value}" if operator == ":" else f"{path} {operator} {value}"


# --- LIKE -------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


def _wildcard_pattern(value: str) -> str:
    """The LIKE pattern for a value with a leading and/or trailing ``*``."""
    leading = value.startswith("*")
    inner = value[1:] if leading else value
    trailing = inner.endswith("*")
    inner = inner[:-1] if trailing else inner
    return ("%" if leading else "") + _escape_like(inner) + ("%" if trailing else "")
