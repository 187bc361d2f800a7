"""How a plugin declares a resource: its message, its table, and what each field may do.

A :class:`Resource` names the protobuf message and the SQLAlchemy model that
stores it, and says for each field whether it is output only, immutable or
required, how long it may be, and whether clients may filter and sort on it.
It also declares unique keys, references to other resources with what
happens when their target is deleted, soft-delete retention and who may call
each standard method. The kit (:mod:`crm_host.kit`) derives the standard
methods, their request bounds and access policies from it.

Fields the kit manages itself, by name, when the message has them: ``id``
(a server-generated UUID), ``create_time``, ``update_time``,
``delete_time``, ``expire_time`` and ``etag`` (from the model's ``version``
column). They are output only.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from crm_host.auth import AUTHENTICATED, Principal

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from crm_host.errors import FieldViolation

MANAGED_FIELDS = ("id", "create_time", "update_time", "delete_time", "expire_time", "etag")


def fold(text: str) -> str:
    """``text`` in the form compared case- and compatibility-insensitively.

    NFKC, then casefold, then NFKC again (casefolding can denormalize), as
    UTS #39 and PRECIS suggest for identifiers: ``admin`` in fullwidth
    letters (U+FF41...) and ``ADMIN`` fold alike. Store this form in a column
    to filter, sort or keep unique on.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Field:
    """What one field of the resource's message may do.

    - ``output_only``: set by the server; ignored in requests (AIP-203).
    - ``immutable``: set on create; an update that changes it is refused.
    - ``required``: must be set (non-empty) on create and after every update.
    - ``max_length``: at most this many characters (code points); it also
      bounds the field's size in bytes before any handler runs (4 per character).
      For repeated and map fields, it bounds each element (value).
    - ``max_items``: at most this many elements of a repeated or map field.
    - ``filter``: clients may filter on it (AIP-160); ``filter_column`` is
      what the filter compares instead of the field's own column (a folded
      copy, say), and ``fold`` turns a filter's text the same way.
    - ``sort``: clients may order by it; ``sort_column`` as for filters. The
      sorted column must be NOT NULL.
    - ``default_caller``: an empty value is set to the caller's account id on
      create (an owner field).
    - ``encode`` and ``decode``: how the field's value becomes its column's
      and back, where the default (the value itself; JSON for messages,
      lists and maps) does not fit an existing table.
    """

    output_only: bool = False
    immutable: bool = False
    required: bool = False
    max_length: int | None = None
    max_items: int | None = None
    filter: bool = False
    # A column or any SQL expression (an ORM attribute works).
    filter_column: Any = None
    fold: Callable[[str], str] | None = None
    sort: bool = False
    sort_column: Any = None
    default_caller: bool = False
    encode: Callable[[Any], Any] | None = None
    decode: Callable[[Any], Any] | None = None


class OnDelete(enum.Enum):
    """What happens to a reference when its target is deleted."""

    # The target cannot be deleted while referred to: FAILED_PRECONDITION
    # naming the referrers.
    RESTRICT = "RESTRICT"
    # The referring field is cleared.
    SET_NULL = "SET_NULL"
    # The referrer is deleted too (soft-deleted, if it is soft-deleted).
    CASCADE = "CASCADE"


@dataclass(frozen=True)
class Reference:
    """A field holding the id of another resource, possibly another plugin's.

    ``target`` is the other resource's name (``"accounts.account"``). On
    every write the target must exist (and not be deleted): a missing one is
    INVALID_ARGUMENT naming the field.
    """

    field: str
    target: str
    on_delete: OnDelete = OnDelete.RESTRICT


@dataclass(frozen=True)
class Unique:
    """Values of ``field`` are unique among live resources.

    ``column`` holds the compared form (a case-folded or otherwise
    normalized copy) when it is not the field's own column; the model must
    have a unique index on it (partial, ``WHERE delete_time IS NULL``, for
    soft-deleted resources). A clash is ALREADY_EXISTS with reason
    ``<NAME>_ALREADY_EXISTS``, ``name`` being the field's unless given
    (``"primary email"`` for a key derived from the ``emails`` field).
    """

    field: str
    column: Any = None
    name: str | None = None


@dataclass(frozen=True)
class SoftDelete:
    """Delete marks the resource (AIP-164); it is purged ``retention`` later."""

    retention: timedelta = timedelta(days=30)


class Rule:
    """Who may act on one resource, beyond the method's own policy.

    A rule answers for a caller and a resource id, and may need the row to
    answer (an owner field); combine rules with ``|``.
    """

    def decide(self, caller: Principal, resource_id: str, row: Any | None) -> bool | None:
        """True or False; None when the row is needed and ``row`` is None."""
        raise NotImplementedError

    def __or__(self, other: Rule) -> Rule:
        return _Either(self, other)


@dataclass(frozen=True)
class _Either(Rule):
    first: Rule
    second: Rule

    def decide(self, caller: Principal, resource_id: str, row: Any | None) -> bool | None:
        answers = [rule.decide(caller, resource_id, row) for rule in (self.first, self.second)]
        if True in answers:
            return True
        return None if None in answers else False


@dataclass(frozen=True)
class _Anyone(Rule):
    def decide(self, caller: Principal, resource_id: str, row: Any | None) -> bool | None:
        return True


@dataclass(frozen=True)
class _HasRole(Rule):
    role: str

    def decide(self, caller: Principal, resource_id: str, row: Any | None) -> bool | None:
        return caller.has_role(self.role)


@dataclass(frozen=True)
class _Owner(Rule):
    column: str

    def decide(self, caller: Principal, resource_id: str, row: Any | None) -> bool | None:
        if row is None:
            return None
        return bool(getattr(row, self.column) == caller.account_id)


@dataclass(frozen=True)
class _Itself(Rule):
    def decide(self, caller: Principal, resource_id: str, row: Any | None) -> bool | None:
        return resource_id == caller.account_id


ANYONE: Rule = _Anyone()
"""Every caller the method's policy admits."""

ITSELF: Rule = _Itself()
"""The caller is the resource (an account acting on itself)."""


def owner(column: str = "owner_id") -> Rule:
    """The caller's account id is in the resource's ``column``."""
    return _Owner(column)


def has_role(name: str) -> Rule:
    """The caller holds the role ``name``."""
    return _HasRole(name)


@dataclass(frozen=True)
class Access:
    """Who may call the standard methods.

    ``read`` (Get, List), ``create`` and ``write`` (Update, Delete, Undelete)
    are host policies (``crm_host.PUBLIC``, ``AUTHENTICATED``,
    ``role(name)``); ``write_rule`` is checked per resource after that, and
    ``read_rule`` likewise for Get. List is either allowed or not: a
    ``read_rule`` that needs the row is for Get only, so leave List to
    ``list_policy``.
    """

    read: str = AUTHENTICATED
    create: str = AUTHENTICATED
    write: str = AUTHENTICATED
    list_policy: str | None = None
    read_rule: Rule = ANYONE
    write_rule: Rule = ANYONE


Normalize = Callable[["Message", list["FieldViolation"]], None]
"""Normalizes a resource message in place and adds what is wrong with it."""

Derive = Callable[["Message"], Mapping[str, Any]]
"""Extra column values computed from a (normalized) resource message."""


@dataclass(frozen=True)
class Resource:
    """A resource type, declared once; the kit serves its standard methods.

    ``name`` is ``<plugin>.<resource>`` in lower case (``"contacts.person"``):
    references name it, and errors, events and method names derive from it.
    ``plural`` is the collection's name in method names (``ListPeople``);
    ``singular`` defaults to the message's name.
    """

    name: str
    message: type[Message]
    model: type[Any]
    fields: Mapping[str, Field] = field(default_factory=dict)
    plural: str | None = None
    unique: Sequence[Unique] = ()
    references: Sequence[Reference] = ()
    soft_delete: SoftDelete | None = None
    access: Access = Access()
    # Default order when the request names none: (path, descending) pairs.
    default_order: Sequence[tuple[str, bool]] = (("create_time", False),)
    normalize: Normalize | None = None
    derive: Derive | None = None
    # Fields filterable with SQL the plugin builds (repeated fields, joins),
    # by path: see crm_host.kit.Filterable.
    extra_filters: Sequence[Any] = ()

    @property
    def singular(self) -> str:
        message: Any = self.message
        return str(message.DESCRIPTOR.name)

    @property
    def collection(self) -> str:
        return self.plural or f"{self.singular}s"

    @property
    def plugin(self) -> str:
        return self.name.partition(".")[0]

    @property
    def kind(self) -> str:
        """The resource part of ``name`` (``person``)."""
        return self.name.partition(".")[2]
