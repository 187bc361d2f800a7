"""The crm_host entry point of the contacts plugin (``crm_contacts.plugin``)."""

from __future__ import annotations

from pathlib import Path

from crm_contacts._proto.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from crm_contacts.models import Base
from crm_contacts.resources import MANAGER, declare
from crm_contacts.servicer import FIELD_MAX_BYTES, POLICIES, ContactsServicer
from crm_contacts.settings import ContactsSettings
from crm_host import hookimpl
from crm_host.hookspecs import (
    RegisterRole,
    RegisterSchema,
    RegisterService,
    RegisterSettings,
    Require,
)
from crm_host.kit import Kit

MIGRATIONS = Path(__file__).parent / "migrations"


@hookimpl
def declare_requirements(require: Require) -> None:
    # Owners are accounts; the admin role is theirs; contacts migrate after them.
    require(plugins=["accounts"])


@hookimpl
def register_settings(register: RegisterSettings) -> None:
    register(ContactsSettings)


@hookimpl
def register_schema(register: RegisterSchema) -> None:
    register(metadata=Base.metadata, migrations=MIGRATIONS)


@hookimpl
def register_roles(register: RegisterRole) -> None:
    register(MANAGER, "changes, deletes, restores and merges every company and person")


@hookimpl
def register_services(register: RegisterService, kit: Kit, settings: ContactsSettings) -> None:
    kit.serve(
        register,
        ContactsServicer(kit),
        contacts_pb2.DESCRIPTOR.services_by_name["ContactsService"],
        contacts_pb2_grpc.add_ContactsServiceServicer_to_server,
        resources=declare(settings).all,
        policies=POLICIES,
        field_max_bytes=FIELD_MAX_BYTES,
    )
