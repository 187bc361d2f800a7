"""Validation and normalization of CreateAccount input.

Every check runs, so a client learns about all its mistakes at once.
Descriptions never echo the password.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from crm_accounts.errors import FieldViolation, InvalidArgument

NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024

# Cs (surrogates) cannot be encoded as UTF-8; Cc includes NUL, which PostgreSQL rejects.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs"})


@dataclass(frozen=True)
class NewAccount:
    """Validated, normalized input for a new account."""

    name: str
    email: str
    email_canonical: str
    password: str = field(repr=False)


def canonical_email(normalized: str) -> str:
    """The form compared for uniqueness: case-insensitive across all of Unicode.

    Casefolding can denormalize (e.g. some characters fold to a base letter
    plus a combining mark), hence NFC on both sides.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", normalized).casefold())


def validate_name(name: str) -> tuple[str, list[FieldViolation]]:
    """Return the trimmed name and its violations."""
    trimmed = name.strip()
    violations = []
    if not trimmed:
        violations.append(FieldViolation("name", "must not be empty"))
    elif len(trimmed) > NAME_MAX_LENGTH:
        violations.append(FieldViolation("name", f"must be at most {NAME_MAX_LENGTH} characters"))
    if any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in trimmed):
        violations.append(FieldViolation("name", "must not contain control characters"))
    return trimmed, violations


def validate_email_address(email: str) -> tuple[str, list[FieldViolation]]:
    """Return the normalized email address (empty when invalid) and its violations."""
    if not email:
        return "", [FieldViolation("email", "must not be empty")]
    # Checked first so that oversized input never reaches the parser.
    if len(email) > EMAIL_MAX_LENGTH:
        return "", [FieldViolation("email", f"must be at most {EMAIL_MAX_LENGTH} characters")]
    try:
        # Deliverability needs DNS: slow, flaky, and not a property of the input.
        validated = validate_email(email, check_deliverability=False)
    except EmailNotValidError as e:
        return "", [FieldViolation("email", f"not a valid email address: {e}")]
    return validated.normalized, []


def validate_password(password: str) -> tuple[str, list[FieldViolation]]:
    """Return the NFKC-normalized password and its violations.

    Length counts code points after NFKC, as NIST SP 800-63B counts them; no
    composition rules.
    """
    normalized = unicodedata.normalize("NFKC", password)
    violations = []
    if not PASSWORD_MIN_LENGTH <= len(normalized) <= PASSWORD_MAX_LENGTH:
        violations.append(
            FieldViolation(
                "password",
                f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long",
            )
        )
    # An unpaired surrogate cannot be hashed, and the encoder's error would quote it.
    if any(unicodedata.category(c) == "Cs" for c in normalized):
        violations.append(FieldViolation("password", "must be valid Unicode text"))
    return normalized, violations


def validate_new_account(name: str, email: str, password: str) -> NewAccount:
    """Validate and normalize CreateAccount input, or raise InvalidArgument."""
    name, name_violations = validate_name(name)
    email, email_violations = validate_email_address(email)
    password, password_violations = validate_password(password)
    violations = name_violations + email_violations + password_violations
    if violations:
        raise InvalidArgument(violations)
    return NewAccount(
        name=name, email=email, email_canonical=canonical_email(email), password=password
    )
