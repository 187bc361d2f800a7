"""The crm_host entry point of the accounts plugin (``crm_accounts.plugin``)."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from crm_accounts import events as account_events
from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.controller import AccountsController
from crm_accounts.errors import AccountsError
from crm_accounts.models import Base
from crm_accounts.passwords import PasswordHasher
from crm_accounts.purge import Purger
from crm_accounts.resource import ACCOUNT, ADMIN
from crm_accounts.servicer import AccountsServicer
from crm_accounts.sessions import SessionAuthenticator
from crm_accounts.settings import INSECURE_TEST_ONLY, AccountsSettings
from crm_accounts.validation import FIELD_MAX_BYTES
from crm_host import AUTHENTICATED, PUBLIC, CommandContext, Database, hookimpl, role
from crm_host.events import Events
from crm_host.hookspecs import (
    RegisterAuthenticator,
    RegisterCommand,
    RegisterEventType,
    RegisterRole,
    RegisterSchema,
    RegisterService,
    RegisterSettings,
)
from crm_host.kit import Kit

logger = logging.getLogger("crm_accounts")

MIGRATIONS = Path(__file__).parent / "migrations"

# The access policy of every RPC but the kit's (Get, List, Update and Delete
# Account: crm_accounts.resource). Self-or-admin checks on "authenticated"
# methods happen in the servicer.
POLICIES = {
    "Authenticate": PUBLIC,
    "ChangePassword": AUTHENTICATED,
    "RevokeSession": AUTHENTICATED,
    "ListSessions": AUTHENTICATED,
    "RevokeAllSessions": AUTHENTICATED,
    "DisableAccount": role(ADMIN),
    "EnableAccount": role(ADMIN),
    "GrantRole": role(ADMIN),
    "RevokeRole": role(ADMIN),
}


def controller_for(
    database: Database, settings: AccountsSettings, publish: account_events.Publish
) -> AccountsController:
    if settings.argon2_profile == INSECURE_TEST_ONLY:
        logger.warning(
            "argon2_profile=%s makes password hashes cheap to crack; use it for tests only",
            INSECURE_TEST_ONLY,
        )
    return AccountsController(database, PasswordHasher(settings), settings, publish)


@hookimpl
def register_settings(register: RegisterSettings) -> None:
    register(AccountsSettings)


@hookimpl
def register_schema(register: RegisterSchema) -> None:
    register(metadata=Base.metadata, migrations=MIGRATIONS)


@hookimpl
def register_services(
    register: RegisterService,
    database: Database,
    settings: AccountsSettings,
    kit: Kit,
    roles: Mapping[str, str],
    events: Events,
) -> None:
    controller = controller_for(database, settings, account_events.publisher(kit, events))
    kit.serve(
        register,
        AccountsServicer(controller, kit, roles),
        accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"],
        accounts_pb2_grpc.add_AccountsServiceServicer_to_server,
        resources=[ACCOUNT],
        policies={**POLICIES, "CreateAccount": PUBLIC if settings.allow_signup else role(ADMIN)},
        field_max_bytes=FIELD_MAX_BYTES,
    )


# Each host's purging, by its database: tests run several hosts in one process.
_purging: dict[Database, tuple[asyncio.Event, asyncio.Task[None]]] = {}


@hookimpl
async def startup(database: Database, settings: AccountsSettings) -> None:
    """Start deleting expired sessions and stale login failures in the background."""
    stop = asyncio.Event()
    task = asyncio.create_task(Purger(database, settings).run(stop), name="crm-accounts-purge")
    _purging[database] = (stop, task)


@hookimpl
async def shutdown(database: Database) -> None:
    """Stop purging; a batch in flight finishes first."""
    purging = _purging.pop(database, None)
    if purging is not None:
        stop, task = purging
        stop.set()
        await task


@hookimpl
def register_event_types(register: RegisterEventType) -> None:
    account_events.declare(register)


@hookimpl
def register_roles(register: RegisterRole) -> None:
    register(ADMIN, "manages every account: list, read, change, disable and delete them")


@hookimpl
def register_authenticators(register: RegisterAuthenticator, database: Database) -> None:
    register(SessionAuthenticator(database))


def _read_password() -> str:
    """From a prompt when interactive, else the first line of stdin; never argv."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise click.ClickException("the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


@click.command(
    "create-admin",
    help="Create an account with the admin role; the password is read from a prompt or stdin.",
)
@click.option("--email", required=True, help="the admin's email address")
@click.option("--name", default="Administrator", show_default=True, help="display name")
@click.pass_obj
async def create_admin(context: CommandContext, email: str, name: str) -> int:
    settings = context.settings
    assert isinstance(settings, AccountsSettings)
    controller = controller_for(
        context.database, settings, account_events.publisher(context.kit, context.events)
    )
    try:
        account = await controller.create_account(
            name, email, _read_password(), roles=frozenset({ADMIN})
        )
    except AccountsError as error:
        print(f"crm-host: error: {error}", file=sys.stderr)
        return 1
    click.echo(f"created admin account {account.id} ({account.email})")
    return 0


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(create_admin)
