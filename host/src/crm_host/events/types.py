"""Event types: what each plugin may publish, with which message, and who may watch it.

A plugin declares its event types in its ``register_event_types`` hook; the
kit declares the standard ones of every resource it serves
(``<plugin>.<resource>.created|updated|deleted|undeleted.v1``). A type is
checked when it is declared: its name, its owner, and that its message can
never carry a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from crm_host.events.store import TYPE_MAX_LENGTH

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$")
PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$")
# Field names an event message may not have anywhere in it: events are kept for
# days and shown to watchers, and must never hold a credential.
SECRET_WORDS = ("password", "hash", "token", "secret", "credential")
# The role that may watch an event type whose plugin names none.
DEFAULT_WATCH_ROLES = ("admin",)
KIT_VERBS = ("created", "updated", "deleted", "undeleted")


class EventTypeError(ValueError):
    """An event type or pattern that cannot be declared; ``str()`` says why."""


@dataclass(frozen=True)
class EventType:
    """A declared event type."""

    name: str
    message: type[Message]
    plugin: str
    # A caller holding any of these roles may watch events of this type.
    watch: tuple[str, ...] = DEFAULT_WATCH_ROLES
    description: str = ""

    @property
    def data_type(self) -> str:
        return str(self.message.DESCRIPTOR.full_name)


def secret_fields(
    descriptor: Any, prefix: str = "", seen: frozenset[str] = frozenset()
) -> list[str]:
    """Paths of the fields of ``descriptor`` (nested messages too) named like a secret."""
    found = []
    for field in descriptor.fields:
        path = f"{prefix}{field.name}"
        if any(word in field.name.lower() for word in SECRET_WORDS):
            found.append(path)
        nested = field.message_type
        if nested is not None and nested.full_name not in seen:
            found += secret_fields(nested, f"{path}.", seen | {descriptor.full_name})
    return found


def check_pattern(pattern: str) -> str:
    """``pattern`` if it is an event type or a pattern (``accounts.account.*``, ``*``)."""
    if len(pattern) > TYPE_MAX_LENGTH or not PATTERN.match(pattern):
        raise EventTypeError(
            f"{pattern[:80]!r} is not an event type or pattern (accounts.account.*, *)"
        )
    return pattern


def matches(pattern: str, type_name: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return type_name.startswith(pattern[:-1])
    return pattern == type_name


class EventTypes:
    """Every declared event type, by name."""

    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}

    def __iter__(self) -> Any:
        return iter(self._types.values())

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def get(self, name: str) -> EventType | None:
        return self._types.get(name)

    def declare(
        self,
        plugin: str,
        name: str,
        message: Any,
        *,
        watch: Sequence[str] = DEFAULT_WATCH_ROLES,
        description: str = "",
    ) -> EventType:
        """Declare ``name``, published with ``message``, for ``plugin``."""
        if len(name) > TYPE_MAX_LENGTH or not TYPE_NAME.match(name):
            raise EventTypeError(
                f"event type {name[:80]!r} must be <plugin>.<resource>.<verb>.v<N> in lower case"
            )
        owner = name.partition(".")[0]
        if owner != plugin:
            raise EventTypeError(f"event type {name} must start with the plugin's name, {plugin}")
        if not (isinstance(message, type) and issubclass(message, Message)):
            raise EventTypeError(f"event type {name} needs a protobuf message class")
        secrets = secret_fields(message.DESCRIPTOR)
        if secrets:
            raise EventTypeError(
                f"event type {name}: {message.DESCRIPTOR.full_name} has fields that may hold "
                f"secrets ({', '.join(secrets)}); events are kept and watched, so publish "
                "a message without them"
            )
        if isinstance(watch, str) or not all(isinstance(r, str) and r for r in watch):
            raise EventTypeError(f"event type {name}: watch must be a list of role names")
        if name in self._types:
            raise EventTypeError(f"event type {name} is declared twice")
        declared = EventType(name, message, owner, tuple(watch), description)
        self._types[name] = declared
        return declared

    def matching(self, patterns: Iterable[str]) -> list[EventType]:
        patterns = list(patterns)
        return [t for t in self._types.values() if any(matches(p, t.name) for p in patterns)]
