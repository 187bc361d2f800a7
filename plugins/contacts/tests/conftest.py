"""Fixtures of the contacts plugin's tests, on crm_host.testing's.

Every test that uses a host runs on SQLite and, when CRM_TEST_DATABASE_URL
is set, on PostgreSQL too. The host serves both plugins, loaded by their
entry points, as `crm-host serve --plugins accounts,contacts` would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm_host.testing import StartHost, TestHost

from .contacts_client import ADMIN, CHEAP_ACCOUNTS, MANAGER, Contacts, World, world


@pytest.fixture
async def contacts_host(crm_host: StartHost) -> TestHost:
    return await crm_host("accounts", "contacts", settings={"accounts": CHEAP_ACCOUNTS})


@pytest.fixture
async def people(contacts_host: TestHost) -> AsyncIterator[World]:
    async for made in world(contacts_host):
        yield made


@pytest.fixture
async def ada(people: World) -> Contacts:
    """An account with no role: owns what she creates."""
    return await people.caller("Ada")


@pytest.fixture
async def bob(people: World) -> Contacts:
    """Another account with no role."""
    return await people.caller("Bob")


@pytest.fixture
async def manager(people: World) -> Contacts:
    return await people.caller("Mona", (MANAGER,))


@pytest.fixture
async def admin(people: World) -> Contacts:
    return await people.caller("Root", (ADMIN,))
