"""The notes test plugin (testplugins.notes) for tests: a client, authors, an installation."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import grpc.aio
import sqlalchemy

from crm_host.testing import TestHost
from support.distributions import install_plugin
from testplugins._proto.crmtest.v1 import notes_pb2, notes_pb2_grpc
from testplugins.notes import authors

TESTS = Path(__file__).parents[1]
TIMEOUT = 30


def add_author(database_url: str, name: str, roles: str = "writer") -> str:
    """Store an author who may call the notes service; return their bearer token.

    The plugin's schema must be in place (a host migrated the database).
    """
    token = f"{name}-{uuid.uuid4().hex}"
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sqlalchemy.insert(authors).values(token=token, name=name, roles=roles)
            )
    finally:
        engine.dispose()
    return token


def token_for(host: TestHost, account_id: str, *roles: str) -> str:
    """A bearer token of ``host``'s test authenticator for ``account_id`` holding ``roles``."""
    [(_, value)] = host.caller(account_id, roles)
    return value.removeprefix("Bearer ")


class Notes:
    """Calls crmtest.v1.NotesService, as the holder of ``token`` when one is given."""

    def __init__(self, channel: grpc.aio.Channel, token: str = "") -> None:
        self.channel = channel
        self.token = token
        self.stub: Any = notes_pb2_grpc.NotesServiceStub(channel)
        self.metadata = (("authorization", f"Bearer {token}"),) if token else None

    def as_caller(self, token: str = "") -> Notes:
        return Notes(self.channel, token)

    def create_call(
        self, text: str = "a note", request_id: str = "", timeout: float = TIMEOUT
    ) -> Any:
        """The CreateNote call, not awaited."""
        request = notes_pb2.CreateNoteRequest(text=text, request_id=request_id)
        return self.stub.CreateNote(request, metadata=self.metadata, timeout=timeout)

    def get_call(self, note_id: str, timeout: float = TIMEOUT) -> Any:
        """The GetNote call, not awaited."""
        request = notes_pb2.GetNoteRequest(id=note_id)
        return self.stub.GetNote(request, metadata=self.metadata, timeout=timeout)

    async def create(self, text: str = "a note", request_id: str = "") -> notes_pb2.Note:
        note: notes_pb2.Note = await self.create_call(text, request_id)
        return note

    async def get(self, note_id: str) -> notes_pb2.Note:
        note: notes_pb2.Note = await self.get_call(note_id)
        return note


def install_notes(site: Path) -> dict[str, str]:
    """Install the notes plugin in ``site`` as distribution crm-notes 1.0, entry point "notes".

    Returns the environment under which `crm-host` sees it: PYTHONPATH with
    ``site`` and tests/ (for testplugins).
    """
    if not (site / "crm_notes.py").exists():
        install_plugin(site, "crm-notes", "1.0", "notes", "from testplugins.notes import *\n")
    inherited = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), str(TESTS), inherited]))}
