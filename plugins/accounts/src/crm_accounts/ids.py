"""Identifiers clients send: account ids and CreateAccount request ids."""

from __future__ import annotations

import re
import uuid

from crm_accounts.errors import FieldViolation, InvalidArgument

# Ids almost always arrive in canonical form, which a match confirms far
# faster than building a UUID (every authenticated call parses one).
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_uuid(value: str, *, field: str, reason: str, what: str) -> str:
    """The canonical (lower-case, hyphenated) form of a UUID, or InvalidArgument."""
    if _CANONICAL.fullmatch(value):
        return value
    try:
        # uuid.UUID also accepts braces, URNs and missing hyphens: fine, we
        # store and compare the canonical form.
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument([FieldViolation(field, f"must be {what} (a UUID)", reason)]) from None


def parse_account_id(value: str, field: str = "id") -> str:
    return parse_uuid(value, field=field, reason="ID_INVALID", what="an account id")


def parse_request_id(value: str) -> str | None:
    """``None`` when the client sent none: request_id is optional."""
    if not value:
        return None
    return parse_uuid(
        value, field="request_id", reason="REQUEST_ID_INVALID", what="a client-chosen request id"
    )
