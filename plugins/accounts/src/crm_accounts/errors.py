"""Domain errors of the accounts plugin; the servicer maps them to gRPC status codes.

No message may contain a password or a password hash: messages reach clients
and logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One problem with one request field (``field`` is the proto field name)."""

    field: str
    description: str


class AccountsError(Exception):
    """Base class of the errors the accounts plugin raises on purpose."""


class InvalidArgument(AccountsError):
    """The request failed validation; ``violations`` lists every problem found."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = tuple(violations)
        details = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(f"invalid CreateAccountRequest: {details}")


class AlreadyExists(AccountsError):
    """An account with the same canonical email address already exists."""

    def __init__(self) -> None:
        super().__init__("an account with this email address already exists")
