"""The account's events: what accounts publishes beyond the kit's updated and deleted.

``created`` (CreateAccount and create-admin are accounts' own), ``disabled``,
``enabled`` and ``password_changed``, each carrying the account as the API
shows it: never a password or its hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_accounts.models import Account
from crm_accounts.resource import ACCOUNT
from crm_host.events import Events
from crm_host.hookspecs import RegisterEventType
from crm_host.kit import Kit

VERBS = ("created", "disabled", "enabled", "password_changed")

Publish = Callable[[Session, str, Account, Sequence[str]], None]
"""Publishes ``accounts.account.<verb>.v1`` about an account, with an update mask."""


def type_of(verb: str) -> str:
    return f"{ACCOUNT.name}.{verb}.v1"


def declare(register: RegisterEventType) -> None:
    for verb in VERBS:
        register(type_of(verb), accounts_pb2.Account, description=f"an account was {verb}")


def publisher(kit: Kit, events: Events) -> Publish:
    def publish(session: Session, verb: str, account: Account, mask: Sequence[str] = ()) -> None:
        message = kit.resource(ACCOUNT.name).to_message(account)
        extensions = {"updatemask": ",".join(mask)} if mask else None
        events.publish(session, type_of(verb), account.id, message, extensions=extensions)

    return publish
