"""Domain errors of the accounts plugin; the servicer maps them to gRPC statuses.

Each error has a ``reason`` (UPPER_SNAKE_CASE, AIP-193), listed in
docs/errors.md. No message may contain a password or a password hash:
messages reach clients and logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from crm_host import FieldViolation, one_per_field

__all__ = [
    "AccountsError",
    "AlreadyExists",
    "EtagMismatch",
    "FieldViolation",
    "InvalidArgument",
    "InvalidCredentials",
    "NotFound",
    "PermissionDenied",
    "SessionNotFound",
    "TooManyAttempts",
    "WrongPassword",
]


class AccountsError(Exception):
    """Base class of the errors the accounts plugin raises on purpose."""

    reason: ClassVar[str]


class InvalidArgument(AccountsError):
    """The request failed validation; ``violations`` lists every problem found."""

    reason = "VALIDATION_FAILED"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = one_per_field(violations)
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


class SessionNotFound(AccountsError):
    """No session with this id (for this account)."""

    reason = "SESSION_NOT_FOUND"

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        super().__init__(f"session {session_id} not found")


class EtagMismatch(AccountsError):
    """The account changed since the client read the etag it sent."""

    reason = "ETAG_MISMATCH"

    def __init__(self) -> None:
        super().__init__("the account was changed since it was read; read it again and retry")


class InvalidCredentials(AccountsError):
    """Authenticate failed. One message for every cause, so it reveals none:
    unknown email, wrong password and disabled account look the same."""

    reason = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("invalid email address or password")


class TooManyAttempts(AccountsError):
    """Too many failed logins for this email address or from this peer."""

    reason = "TOO_MANY_LOGIN_ATTEMPTS"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__("too many failed login attempts; retry later")


class HashingBusy(AccountsError):
    """Every password hashing thread is busy and hash_queue requests already wait."""

    reason = "PASSWORD_HASHING_BUSY"
    # Long enough for the queue to move (a hash takes about 0.1 s), short
    # enough that a client retrying does not idle.
    retry_after = 1.0

    def __init__(self) -> None:
        super().__init__("the server is busy checking other passwords; retry shortly")


class PermissionDenied(AccountsError):
    """The caller is known but may not act on this account."""

    reason = "PERMISSION_DENIED"

    def __init__(self) -> None:
        super().__init__("only the account itself or an admin may do this")


class WrongPassword(AccountsError):
    """The current password given to ChangePassword is not the account's password."""

    reason = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("the current password is incorrect")
