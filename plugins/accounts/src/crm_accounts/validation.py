"""Validation and normalization of CreateAccount and ChangePassword input.

Every check runs, so a client learns about all its mistakes at once.
Descriptions never echo the password.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from crm_accounts import password_policy
from crm_accounts.errors import FieldViolation, InvalidArgument

NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024

# A code point takes at most 4 bytes in UTF-8: the host refuses larger fields
# before any of the normalization below runs (NFKC can make a string 18
# times longer, and the policy's rules grow faster than their input).
_UTF8_MAX = 4
NAME_MAX_BYTES = NAME_MAX_LENGTH * _UTF8_MAX
EMAIL_MAX_BYTES = EMAIL_MAX_LENGTH * _UTF8_MAX
PASSWORD_MAX_BYTES = PASSWORD_MAX_LENGTH * _UTF8_MAX

FIELD_MAX_BYTES = {
    "CreateAccount": {
        "name": NAME_MAX_BYTES,
        "email": EMAIL_MAX_BYTES,
        "password": PASSWORD_MAX_BYTES,
    },
    "UpdateAccount": {"account.name": NAME_MAX_BYTES, "account.email": EMAIL_MAX_BYTES},
    "ChangePassword": {
        "current_password": PASSWORD_MAX_BYTES,
        "new_password": PASSWORD_MAX_BYTES,
    },
    "Authenticate": {"email": EMAIL_MAX_BYTES, "password": PASSWORD_MAX_BYTES},
}
"""Request fields the accounts service bounds more tightly than the host's default."""

# Cs (surrogates) cannot be encoded as UTF-8; Cc includes NUL, which PostgreSQL rejects.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs"})
# Format characters and separators that str.strip() keeps; nothing else shows either.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp"})


@dataclass(frozen=True)
class NewAccount:
    """Validated, normalized input for a new account."""

    name: str
    email: str
    email_canonical: str
    password: str = field(repr=False)


# What revision 0003 prefixes to the old key of an account whose address
# collided with another's under NFKC (docs/accounts.md, "Look-alike
# addresses"). No valid address's key starts with it: a colon needs quotes.
COLLIDED_PREFIX = "collided:"
# Casefold then NFKC reaches a fixed point after one round for every code
# point; the rounds after it only guard against combinations nobody found.
_FOLD_ROUNDS = 3


def _nfkc_casefold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def canonical_email(normalized: str) -> str:
    """The form compared for uniqueness: compatibility look-alikes in any case are one address.

    NFKC plus casefold, as UTS #39 and PRECIS (RFC 8264) suggest: fullwidth
    letters (U+FF21 to U+FF5A), mathematical and circled letters and other
    compatibility forms are the address they look like, ``ÄBC`` is ``äbc``
    and ``straße`` is ``STRASSE``. Casefolding
    can denormalize (some characters fold to a base letter plus a combining
    mark), hence NFKC on both sides, until the key is stable: the key of a
    key is the key itself.
    """
    key = _nfkc_casefold(normalized)
    for _ in range(_FOLD_ROUNDS):
        again = _nfkc_casefold(key)
        if again == key:
            break
        key = again
    return key


def legacy_canonical_email(normalized: str) -> str:
    """The key revisions 0001 and 0002 stored: NFC plus casefold, no compatibility folding."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", normalized).casefold())


def email_lookup_keys(email: str) -> tuple[str, str | None]:
    """The keys to look ``email`` up by: its canonical key, and its collided key.

    The second is the key revision 0003 gave an account whose address, typed
    exactly so (in any letter case), collided with another account's under
    NFKC; None when ``email`` is not a valid address. An account with that
    key is the one this spelling belongs to.
    """
    normalized, problems = validate_email_address(email)
    if problems:
        return _invalid_key(email), None
    return canonical_email(normalized), COLLIDED_PREFIX + legacy_canonical_email(normalized)


def email_lookup_key(email: str) -> str:
    """The canonical form to look any input up by, valid address or not.

    A valid address is normalized exactly as CreateAccount stores
    email_canonical, so any spelling that would be a duplicate on create finds
    the account. Anything else becomes a digest of its canonical form: it finds
    nothing (every stored address has an "@"), still counts as itself for login
    throttling, and fits the database however long it is or whatever it holds
    (PostgreSQL refuses NUL in text, and throttling keys are bounded).
    """
    return email_lookup_keys(email)[0]


def _invalid_key(email: str) -> str:
    folded = canonical_email(email).encode("utf-8", "surrogatepass")
    return f"invalid:{hashlib.sha256(folded).hexdigest()}"


def validate_name(name: str, field: str = "name") -> tuple[str, list[FieldViolation]]:
    """Return the trimmed name and its violations."""
    trimmed = name.strip()
    violations = []
    if not trimmed:
        violations.append(FieldViolation(field, "must not be empty", "NAME_EMPTY"))
    elif all(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in trimmed):
        # Zero-width spaces and joiners, byte order marks: a name that shows as blank.
        violations.append(FieldViolation(field, "must contain a visible character", "NAME_EMPTY"))
    elif len(trimmed) > NAME_MAX_LENGTH:
        violations.append(
            FieldViolation(field, f"must be at most {NAME_MAX_LENGTH} characters", "NAME_TOO_LONG")
        )
    if any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in trimmed):
        violations.append(
            FieldViolation(field, "must not contain control characters", "NAME_CONTROL_CHARACTERS")
        )
    return trimmed, violations


def validate_email_address(email: str, field: str = "email") -> tuple[str, list[FieldViolation]]:
    """Return the normalized email address (empty when invalid) and its violations."""
    if not email:
        return "", [FieldViolation(field, "must not be empty", "EMAIL_EMPTY")]
    # Checked first so that oversized input never reaches the parser.
    if len(email) > EMAIL_MAX_LENGTH:
        return "", [
            FieldViolation(
                field, f"must be at most {EMAIL_MAX_LENGTH} characters", "EMAIL_TOO_LONG"
            )
        ]
    try:
        # Deliverability needs DNS: slow, flaky, and not a property of the input.
        validated = validate_email(email, check_deliverability=False)
    except EmailNotValidError as e:
        return "", [FieldViolation(field, f"not a valid email address: {e}", "EMAIL_INVALID")]
    return validated.normalized, []


def validate_password(
    password: str, *, name: str, email: str, field: str = "password"
) -> tuple[str, list[FieldViolation]]:
    """Return the NFKC-normalized password and its violations.

    Length counts code points after NFKC, as NIST SP 800-63B counts them; no
    composition rules. ``name`` and ``email`` are the account's validated
    values ("" when invalid), for the similarity rule; ``field`` is the request
    field to report.
    """
    normalized = unicodedata.normalize("NFKC", password)
    violations = []
    length_ok = PASSWORD_MIN_LENGTH <= len(normalized) <= PASSWORD_MAX_LENGTH
    if not length_ok:
        violations.append(
            FieldViolation(
                field,
                f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long",
                "PASSWORD_LENGTH",
            )
        )
    # An unpaired surrogate cannot be hashed, and the encoder's error would quote it.
    if any(unicodedata.category(c) == "Cs" for c in normalized):
        violations.append(
            FieldViolation(field, "must be valid Unicode text", "PASSWORD_INVALID_UNICODE")
        )
    # The blocklist rules are pointless on a password that must change anyway,
    # and the length cap bounds their cost.
    if length_ok:
        violations += password_policy.password_violations(
            normalized, name=name, email=email, field=field
        )
    return normalized, violations


def validate_new_password(password: str, *, name: str, email: str, field: str) -> str:
    """Return the NFKC-normalized new password of an account, or raise InvalidArgument."""
    normalized, violations = validate_password(password, name=name, email=email, field=field)
    if violations:
        raise InvalidArgument(violations)
    return normalized


def validate_new_account(name: str, email: str, password: str) -> NewAccount:
    """Validate and normalize CreateAccount input, or raise InvalidArgument."""
    name, name_violations = validate_name(name)
    email, email_violations = validate_email_address(email)
    password, password_violations = validate_password(
        password, name="" if name_violations else name, email=email
    )
    violations = name_violations + email_violations + password_violations
    if violations:
        raise InvalidArgument(violations)
    return NewAccount(
        name=name, email=email, email_canonical=canonical_email(email), password=password
    )
