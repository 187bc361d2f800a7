"""A notes plugin: crmtest.v1.NotesService, stored with SQLAlchemy and migrated with Alembic.

For the host's tests that need a plugin writing to the database (durability,
database outages, readiness, workers, soak) without the accounts plugin. The
module is the plugin, like an installed plugin's entry point: register it as
``(testplugins.notes, "notes")``, or install it as a distribution whose entry
point is this module (support.notes.install_notes) for `crm-host serve`.

Callers: CreateNote needs the ``writer`` role, GetNote any authenticated
caller. Besides ``TestHost.caller``, bearer tokens are looked up in the
plugin's table ``notes_authors`` (support.notes.add_author), so that
authenticating reads the database, as a session store does.

``write_delay_seconds`` (``CRM_NOTES__WRITE_DELAY_SECONDS``) makes every
CreateNote wait that long before it writes, to keep calls in flight.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from pydantic import Field
from sqlalchemy import Column, MetaData, String, Table, Text, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_host import (
    AUTHENTICATED,
    Database,
    FieldViolation,
    PluginSettings,
    Principal,
    ServiceError,
    hookimpl,
    role,
)
from crm_host.hookspecs import (
    RegisterAuthenticator,
    RegisterRole,
    RegisterSchema,
    RegisterService,
    RegisterSettings,
)
from testplugins._proto.crmtest.v1 import notes_pb2, notes_pb2_grpc

DOMAIN = "crmtest.v1.NotesService"
DESCRIPTOR = notes_pb2.DESCRIPTOR.services_by_name["NotesService"]
WRITER = "writer"
MIGRATIONS = Path(__file__).parent / "notes_migrations"

metadata = MetaData()
notes = Table(
    "notes_notes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("text", Text, nullable=False),
    Column("request_id", String(36), nullable=True, unique=True),
)
authors = Table(
    "notes_authors",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("name", String(64), nullable=False),
    # Space-separated role names.
    Column("roles", String(200), nullable=False),
)

GET_NOTE = select(notes.c.id, notes.c.text).where(notes.c.id == bindparam("id"))
GET_AUTHOR = select(authors.c.name, authors.c.roles).where(authors.c.token == bindparam("token"))
BY_REQUEST_ID = select(notes.c.id, notes.c.text).where(notes.c.request_id == bindparam("rid"))


class NotesSettings(PluginSettings):
    write_delay_seconds: float = Field(0.0, ge=0, description="wait before each CreateNote")


def invalid(field: str, description: str, reason: str) -> ServiceError:
    return ServiceError(
        code=grpc.StatusCode.INVALID_ARGUMENT,
        message=f"invalid request: {field}: {description}",
        reason="VALIDATION_FAILED",
        domain=DOMAIN,
        field_violations=[FieldViolation(field, description, reason)],
    )


def parse_id(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid(field, "not a UUID", "ID_INVALID") from None


class NotesServicer(notes_pb2_grpc.NotesServiceServicer):  # type: ignore[misc]
    def __init__(self, database: Database, settings: NotesSettings) -> None:
        self.database = database
        self.settings = settings

    async def CreateNote(
        self, request: notes_pb2.CreateNoteRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        if not request.text:
            raise invalid("text", "must not be empty", "TEXT_EMPTY")
        if "\x00" in request.text:
            # PostgreSQL stores no NUL in text.
            raise invalid("text", "must not contain NUL", "TEXT_INVALID")
        request_id = parse_id(request.request_id, "request_id") if request.request_id else None
        if self.settings.write_delay_seconds:
            await asyncio.sleep(self.settings.write_delay_seconds)
        if request_id is not None:
            earlier = await self.database.read_row(BY_REQUEST_ID, rid=request_id)
            if earlier is not None:
                return self._retried(earlier, request.text)
        note_id = str(uuid.uuid4())

        def write(session: Session) -> None:
            session.execute(
                insert(notes).values(id=note_id, text=request.text, request_id=request_id)
            )

        try:
            await self.database.transaction(write)
        except IntegrityError:
            # A retry of the same request won the race.
            earlier = await self.database.read_row(BY_REQUEST_ID, rid=request_id)
            if earlier is None:
                raise
            return self._retried(earlier, request.text)
        return notes_pb2.Note(id=note_id, text=request.text)

    def _retried(self, earlier: Any, text: str) -> notes_pb2.Note:
        if earlier.text != text:
            raise invalid("request_id", "was used for another note", "REQUEST_ID_REUSED")
        return notes_pb2.Note(id=earlier.id, text=earlier.text)

    async def GetNote(
        self, request: notes_pb2.GetNoteRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        note_id = parse_id(request.id, "id")
        row = await self.database.read_row(GET_NOTE, id=note_id)
        if row is None:
            raise ServiceError(
                code=grpc.StatusCode.NOT_FOUND,
                message="no such note",
                reason="NOTE_NOT_FOUND",
                domain=DOMAIN,
                metadata={"id": note_id},
            )
        return notes_pb2.Note(id=row.id, text=row.text)


@hookimpl
def register_settings(register: RegisterSettings) -> None:
    register(NotesSettings)


@hookimpl
def register_services(
    register: RegisterService, database: Database, settings: NotesSettings
) -> None:
    register(
        servicer=NotesServicer(database, settings),
        add_to_server=notes_pb2_grpc.add_NotesServiceServicer_to_server,
        descriptor=DESCRIPTOR,
        policies={"CreateNote": role(WRITER), "GetNote": AUTHENTICATED},
    )


@hookimpl
def register_schema(register: RegisterSchema) -> None:
    register(metadata=metadata, migrations=MIGRATIONS)


@hookimpl
def register_roles(register: RegisterRole) -> None:
    register(WRITER, "may create notes")


@hookimpl
def register_authenticators(register: RegisterAuthenticator, database: Database) -> None:
    async def authenticate(token: str) -> Principal | None:
        row = await database.read_row(GET_AUTHOR, token=token)
        if row is None:
            return None
        return Principal(account_id=row.name, roles=frozenset(row.roles.split()))

    register(authenticate)
