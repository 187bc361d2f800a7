"""The account as a kit resource: what GetAccount, ListAccounts, UpdateAccount and
DeleteAccount are made of.

The kit serves those four from this declaration; accounts keeps what is its
own: creating accounts (passwords, idempotent retries checked like logins),
states, roles, sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_accounts.models import Account
from crm_accounts.validation import (
    canonical_email,
    email_lookup_key,
    validate_email_address,
    validate_name,
)
from crm_host import AUTHENTICATED, FieldViolation, kit, role

ADMIN = "admin"
# An account acts on itself; an admin on every account.
SELF_OR_ADMIN = kit.ITSELF | kit.has_role(ADMIN)


def _normalize(message: Any, violations: list[FieldViolation]) -> None:
    name, name_problems = validate_name(message.name)
    email, email_problems = validate_email_address(message.email)
    message.name = name
    message.email = email
    violations += name_problems + email_problems


def _derive(message: Any) -> Mapping[str, Any]:
    # Filters match names regardless of case on every engine (SQLite's
    # lower() and LIKE fold ASCII only); emails are unique by canonical key.
    return {
        "name_folded": message.name.casefold(),
        "email_canonical": canonical_email(message.email),
    }


def _email_filter(operator: str, value: Any) -> ColumnElement[bool]:
    # The whole address, compared as sign-in compares it; a * is part of the
    # address, not a wildcard.
    key = email_lookup_key(value)
    if operator == "=":
        return Account.email_canonical == key
    return Account.email_canonical != key


ACCOUNT = kit.Resource(
    name="accounts.account",
    message=accounts_pb2.Account,
    model=Account,
    fields={
        # Lengths, emptiness and control characters are _normalize's to check.
        "name": kit.Field(
            filter=True,
            filter_column=Account.name_folded,
            fold=str.casefold,
            sort=True,
            sort_column=Account.name_folded,
        ),
        "email": kit.Field(),
        "state": kit.Field(output_only=True, filter=True),
        "roles": kit.Field(
            output_only=True,
            encode=lambda roles: " ".join(sorted(roles)),
            decode=str.split,
        ),
    },
    unique=[kit.Unique("email", column=Account.email_canonical)],
    access=kit.Access(
        read=AUTHENTICATED,
        write=AUTHENTICATED,
        list_policy=role(ADMIN),
        read_rule=SELF_OR_ADMIN,
        write_rule=SELF_OR_ADMIN,
    ),
    normalize=_normalize,
    derive=_derive,
    extra_filters=[
        kit.Filterable(
            "email", kit.ValueType.STRING, compile=_email_filter, operators=frozenset({"=", "!="})
        )
    ],
)
"""An account: created by CreateAccount, read, listed, changed and deleted by the kit."""
