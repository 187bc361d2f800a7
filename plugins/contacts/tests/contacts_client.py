"""Helpers of the contacts plugin's tests: callers with real accounts, and a small client.

Accounts are made and deleted through the accounts service as any client
would, with stubs built from server reflection (grpc-requests): the tests
import nothing of the accounts plugin.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import grpc_requests
import pytest
from google.protobuf import descriptor_pool, field_mask_pb2
from google.protobuf.message import Message

from crm_contacts._proto.contacts.v1 import contacts_pb2 as pb
from crm_contacts._proto.contacts.v1 import contacts_pb2_grpc
from crm_host.testing import RichError, TestHost, rich_error

ACCOUNTS = "accounts.v1.AccountsService"
DOMAIN = "contacts.v1.ContactsService"
PASSWORD = "correct horse battery staple"
# argon2's cheapest parameters keep the suite fast.
CHEAP_ACCOUNTS = {"argon2_profile": "insecure-test-only"}
MANAGER = "contacts.manager"
ADMIN = "admin"


class Contacts:
    """The contacts service as one caller (an account) sees it."""

    def __init__(self, host: TestHost, account_id: str, roles: tuple[str, ...] = ()) -> None:
        self.account_id = account_id
        self.stub: Any = contacts_pb2_grpc.ContactsServiceStub(host.channel)
        self.metadata = host.caller(account_id, roles)

    async def call(self, method: str, request: Message) -> Any:
        return await getattr(self.stub, method)(request, metadata=self.metadata, timeout=30)

    async def company(self, request_id: str = "", **fields: Any) -> Any:
        request = pb.CreateCompanyRequest(company=pb.Company(**fields), request_id=request_id)
        return await self.call("CreateCompany", request)

    async def person(self, request_id: str = "", **fields: Any) -> Any:
        request = pb.CreatePersonRequest(person=pb.Person(**fields), request_id=request_id)
        return await self.call("CreatePerson", request)

    async def affiliation(self, **fields: Any) -> Any:
        request = pb.CreateAffiliationRequest(affiliation=pb.Affiliation(**fields))
        return await self.call("CreateAffiliation", request)

    async def update(self, resource: Message, *paths: str) -> Any:
        kind = type(resource).__name__
        request = getattr(pb, f"Update{kind}Request")(
            **{kind.lower(): resource}, update_mask=field_mask_pb2.FieldMask(paths=list(paths))
        )
        return await self.call(f"Update{kind}", request)

    async def get(self, kind: str, resource_id: str) -> Any:
        return await self.call(f"Get{kind}", getattr(pb, f"Get{kind}Request")(id=resource_id))

    async def delete(self, kind: str, resource_id: str, etag: str = "") -> Any:
        request = getattr(pb, f"Delete{kind}Request")(id=resource_id, etag=etag)
        return await self.call(f"Delete{kind}", request)

    async def undelete(self, kind: str, resource_id: str, etag: str = "") -> Any:
        request = getattr(pb, f"Undelete{kind}Request")(id=resource_id, etag=etag)
        return await self.call(f"Undelete{kind}", request)

    async def people(self, **request: Any) -> list[str]:
        """The display names of every person the ListPeople request finds, page by page."""
        names: list[str] = []
        token = ""
        while True:
            page = await self.call(
                "ListPeople", pb.ListPeopleRequest(page_token=token, page_size=2, **request)
            )
            names += [person.display_name for person in page.people]
            token = page.next_page_token
            if not token:
                return names

    async def search(self, query: str, page_size: int = 2) -> list[str]:
        """The display names SearchPeople finds for ``query``, page by page."""
        names: list[str] = []
        token = ""
        while True:
            page = await self.call(
                "SearchPeople",
                pb.SearchPeopleRequest(query=query, page_size=page_size, page_token=token),
            )
            names += [person.display_name for person in page.people]
            token = page.next_page_token
            if not token:
                return names


async def refused(call: Any) -> RichError:
    """The rich error ``call`` fails with; it must fail, in the contacts domain or the host's."""
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    return rich_error(failure.value)


@dataclass
class World:
    """A host serving accounts and contacts, and a way to make accounts in it."""

    host: TestHost
    accounts: Any  # grpc_requests.ReflectionAsyncClient
    # Who may call CreateAccount and DeleteAccount: an admin by the test authenticator.
    _admin: tuple[tuple[str, str], ...]

    async def caller(self, name: str, roles: tuple[str, ...] = ()) -> Contacts:
        """A new account, and the contacts service as it sees it (holding ``roles``)."""
        created = await self.accounts.request(
            ACCOUNTS,
            "CreateAccount",
            {"name": name, "email": f"{name.lower()}@example.com", "password": PASSWORD},
            raw_output=True,
            metadata=self._admin,
            timeout=30,
        )
        return Contacts(self.host, created.id, roles)

    async def delete_account(self, account_id: str) -> None:
        await self.accounts.request(
            ACCOUNTS,
            "DeleteAccount",
            {"id": account_id},
            raw_output=True,
            metadata=self._admin,
            timeout=30,
        )


async def world(host: TestHost) -> AsyncIterator[World]:
    client = grpc_requests.ReflectionAsyncClient(
        f"127.0.0.1:{host.port}", descriptor_pool=descriptor_pool.DescriptorPool()
    )
    try:
        yield World(host, client, host.caller(str(uuid.uuid4()), (ADMIN,)))
    finally:
        await client.channel.close()
