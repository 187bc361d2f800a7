"""The crm_host entry point of the accounts plugin (``crm_accounts.plugin``)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.controller import AccountsController
from crm_accounts.models import Base
from crm_accounts.passwords import PasswordHasher
from crm_accounts.servicer import AccountsServicer
from crm_accounts.settings import INSECURE_TEST_ONLY, AccountsSettings
from crm_host import hookimpl
from crm_host.hookspecs import PluginSettings, RegisterSchema, RegisterService

logger = logging.getLogger("crm_accounts")


MIGRATIONS = Path(__file__).parent / "migrations"


@hookimpl
def register_schema(register: RegisterSchema) -> None:
    register(metadata=Base.metadata, migrations=MIGRATIONS)


@hookimpl
def register_services(register: RegisterService, engine: Engine, settings: PluginSettings) -> None:
    accounts_settings = AccountsSettings.from_mapping(settings)
    if accounts_settings.argon2_profile == INSECURE_TEST_ONLY:
        logger.warning(
            "argon2_profile=%s makes password hashes cheap to crack; use it for tests only",
            INSECURE_TEST_ONLY,
        )
    controller = AccountsController(engine, PasswordHasher(accounts_settings))
    register(
        servicer=AccountsServicer(controller),
        add_to_server=accounts_pb2_grpc.add_AccountsServiceServicer_to_server,
        descriptor=accounts_pb2.DESCRIPTOR.services_by_name["AccountsService"],
    )
