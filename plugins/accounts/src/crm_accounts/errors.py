"""Domain errors of the accounts plugin; the servicer maps them to gRPC statuses.

Each error has a ``reason`` (UPPER_SNAKE_CASE, AIP-193), listed in
docs/errors.md. No message may contain a password or a password hash:
messages reach clients and logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from crm_host.errors import FieldViolation

__all__ = [
    "AccountsError",
    "AlreadyExists",
    "EtagMismatch",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "WrongPassword",
]


class AccountsError(Exception):
    """Base class of the errors the accounts plugin raises on purpose."""

    reason: ClassVar[str]


class InvalidArgument(AccountsError):
    """The request failed validation; ``violations`` lists every problem found."""

    reason = "VALIDATION_FAILED"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = tuple(violations)
        details = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(f"invalid request: {details}")


class AlreadyExists(AccountsError):
    """An account with the same canonical email address already exists."""

    reason = "EMAIL_ALREADY_EXISTS"

    def __init__(self) -> None:
        super().__init__("an account with this email address already exists")


class NotFound(AccountsError):
    """No account has the requested id."""

    reason = "ACCOUNT_NOT_FOUND"

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        super().__init__(f"account {account_id} not found")


class EtagMismatch(AccountsError):
    """The account changed since the client read the etag it sent."""

    reason = "ETAG_MISMATCH"

    def __init__(self) -> None:
        super().__init__("the account was changed since it was read; read it again and retry")


class WrongPassword(AccountsError):
    """The current password given to ChangePassword is not the account's password."""

    reason = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("the current password is incorrect")
