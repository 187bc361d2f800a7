"""The crm_host entry point of the accounts plugin (``crm_accounts.plugin``)."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from sqlalchemy import Engine

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.controller import AccountsController
from crm_accounts.errors import AccountsError
from crm_accounts.models import Base
from crm_accounts.passwords import PasswordHasher
from crm_accounts.servicer import ADMIN, AccountsServicer
from crm_accounts.sessions import SessionAuthenticator
from crm_accounts.settings import INSECURE_TEST_ONLY, AccountsSettings
from crm_host import hookimpl
from crm_host.hookspecs import (
    PluginSettings,
    RegisterAuthenticator,
    RegisterCommand,
    RegisterRole,
    RegisterSchema,
    RegisterService,
)

logger = logging.getLogger("crm_accounts")

MIGRATIONS = Path(__file__).parent / "migrations"

# Every RPC's access policy, next to the service it belongs to. Self-or-admin
# checks on "authenticated" methods happen in the servicer.
POLICIES = {
    "Authenticate": "public",
    "GetAccount": "authenticated",
    "UpdateAccount": "authenticated",
    "DeleteAccount": "authenticated",
    "ChangePassword": "authenticated",
    "RevokeSession": "authenticated",
    "ListSessions": "authenticated",
    "RevokeAllSessions": "authenticated",
    "ListAccounts": f"role:{ADMIN}",
    "DisableAccount": f"role:{ADMIN}",
    "EnableAccount": f"role:{ADMIN}",
}


def controller_for(engine: Engine, accounts_settings: AccountsSettings) -> AccountsController:
    if accounts_settings.argon2_profile == INSECURE_TEST_ONLY:
        logger.warning(
            "argon2_profile=%s makes password hashes cheap to crack; use it for tests only",
            INSECURE_TEST_ONLY,
        )
    return AccountsController(engine, PasswordHasher(accounts_settings), accounts_settings)


@hookimpl
def register_schema(register: RegisterSchema) -> None:
    register(metadata=Base.metadata, migrations=MIGRATIONS)


@hookimpl
def register_services(register: RegisterService, engine: Engine, settings: PluginSettings) -> None:
    accounts_settings = AccountsSettings.from_mapping(settings)
    controller = controller_for(engine, accounts_settings)
    signup = accounts_settings.allow_signup
    register(
        servicer=AccountsServicer(controller),
        add_to_server=accounts_pb2_grpc.add_AccountsServiceServicer_to_server,
        descriptor=accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"],
        policies={**POLICIES, "CreateAccount": "public" if signup else f"role:{ADMIN}"},
    )


@hookimpl
def register_roles(register: RegisterRole) -> None:
    register(ADMIN, "manages every account: list, read, change, disable and delete them")


@hookimpl
def register_authenticators(register: RegisterAuthenticator, engine: Engine) -> None:
    register(SessionAuthenticator(engine))


@hookimpl
def register_commands(register: RegisterCommand) -> None:
    register(
        "create-admin",
        help="create an account with the admin role",
        run=create_admin,
        configure=_create_admin_arguments,
    )


def _create_admin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True, help="the admin's email address")
    parser.add_argument("--name", default="Administrator", help="display name (%(default)s)")


def _read_password() -> str:
    """From a prompt when interactive, else the first line of stdin; never argv."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise SystemExit("crm-host: error: the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


async def create_admin(args: argparse.Namespace, engine: Engine, settings: PluginSettings) -> int:
    controller = controller_for(engine, AccountsSettings.from_mapping(settings))
    try:
        account = await controller.create_account(
            args.name, args.email, _read_password(), roles=frozenset({ADMIN})
        )
    except AccountsError as error:
        print(f"crm-host: error: {error}", file=sys.stderr)
        return 1
    print(f"created admin account {account.id} ({account.email})")
    return 0
