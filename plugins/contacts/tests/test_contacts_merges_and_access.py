"""MergePeople and MergeCompanies, soft delete and purge, and who may change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from sqlalchemy import update

from crm_contacts._proto.contacts.v1 import contacts_pb2 as pb
from crm_host.testing import TestHost

from .contacts_client import Contacts, refused

REQUEST_ID = "0b6f5c2e-8a4d-4c1e-9f3a-6d2b7e1c5a90"


def email(address: str, primary: bool = False) -> pb.EmailAddress:
    return pb.EmailAddress(address=address, primary=primary)


def merge_people(
    target: pb.Person, *sources: pb.Person, request_id: str = ""
) -> pb.MergePeopleRequest:
    return pb.MergePeopleRequest(
        target_id=target.id,
        target_etag=target.etag,
        sources=[pb.MergeSource(id=s.id, etag=s.etag) for s in sources],
        request_id=request_id,
    )


async def test_merge_people_moves_emails_phones_links_and_labels(ada: Contacts) -> None:
    company = await ada.company(display_name="Acme")
    target = await ada.person(
        given_name="Ann", emails=[email("ann@example.com")], labels={"source": "crm"}
    )
    source = await ada.person(
        given_name="Annie",
        emails=[email("ANN@example.com"), email("ann@home.example", primary=True)],
        phones=[pb.PhoneNumber(number="+16502530000")],
        labels={"source": "import", "city": "Oslo"},
    )
    link = await ada.affiliation(person_id=source.id, company_id=company.id)

    merged = await ada.call("MergePeople", merge_people(target, source, request_id=REQUEST_ID))
    assert merged.id == target.id
    assert [(e.address, e.primary) for e in merged.emails] == [
        ("ann@example.com", False),
        ("ann@home.example", True),
    ]
    assert [p.number for p in merged.phones] == ["+16502530000"]
    assert dict(merged.labels) == {"source": "crm", "city": "Oslo"}
    assert (await ada.get("Affiliation", link.id)).person_id == target.id
    assert (await ada.get("Person", source.id)).HasField("delete_time")
    assert await ada.people() == ["Ann"]
    # The primary address moved with the person: no one else may take it.
    error = await refused(ada.person(given_name="X", emails=[email("ann@home.example", True)]))
    assert error.reason == "PRIMARY_EMAIL_ALREADY_EXISTS"

    # A retry gets the first answer, though the sources are gone now.
    again = await ada.call("MergePeople", merge_people(target, source, request_id=REQUEST_ID))
    assert again == merged
    other = await ada.person(given_name="Other")
    error = await refused(
        ada.call("MergePeople", merge_people(target, other, request_id=REQUEST_ID))
    )
    assert (error.code, error.violations) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        [("request_id", "REQUEST_ID_REUSED")],
    )


async def test_a_stale_or_deleted_input_stops_the_whole_merge(ada: Contacts) -> None:
    target = await ada.person(given_name="Target")
    source = await ada.person(given_name="Source", emails=[email("s@example.com")])
    changed = await ada.update(pb.Person(id=source.id, job_title="Now"), "job_title")
    error = await refused(ada.call("MergePeople", merge_people(target, source)))
    assert (error.code, error.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    stale_target = pb.Person(id=target.id, etag='"7"')
    error = await refused(ada.call("MergePeople", merge_people(stale_target, changed)))
    assert error.code == grpc.StatusCode.ABORTED
    # Nothing happened.
    assert not (await ada.get("Person", changed.id)).HasField("delete_time")
    assert list((await ada.get("Person", target.id)).emails) == []

    gone = await ada.person(given_name="Gone")
    await ada.delete("Person", gone.id)
    error = await refused(ada.call("MergePeople", merge_people(target, gone)))
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PERSON_DELETED")
    error = await refused(ada.call("MergePeople", merge_people(target, target, changed, changed)))
    assert dict(error.violations) == {
        "sources[0].id": "SOURCE_DUPLICATE",
        "sources[2].id": "SOURCE_DUPLICATE",
    }
    error = await refused(ada.call("MergePeople", pb.MergePeopleRequest(target_id="x")))
    assert dict(error.violations) == {"target_id": "ID_INVALID", "sources": "SOURCES_EMPTY"}


async def test_merge_companies_moves_people_and_links_and_fills_empty_fields(
    ada: Contacts,
) -> None:
    target = await ada.company(display_name="Acme", industry="Retail")
    source = await ada.company(
        display_name="ACME Inc",
        domain="acme.example",
        industry="Wholesale",
        employee_count=40,
        address=pb.PostalAddress(locality="Oslo", country_code="NO"),
        labels={"tier": "gold"},
    )
    person = await ada.person(given_name="Ann", primary_company_id=source.id)
    link = await ada.affiliation(person_id=person.id, company_id=source.id)
    merged = await ada.call(
        "MergeCompanies",
        pb.MergeCompaniesRequest(
            target_id=target.id, sources=[pb.MergeSource(id=source.id, etag=source.etag)]
        ),
    )
    assert (merged.industry, merged.domain, merged.employee_count) == (
        "Retail",
        "acme.example",
        40,
    )
    assert (merged.address.locality, dict(merged.labels)) == ("Oslo", {"tier": "gold"})
    assert (await ada.get("Person", person.id)).primary_company_id == target.id
    assert (await ada.get("Affiliation", link.id)).company_id == target.id
    assert (await ada.get("Company", source.id)).HasField("delete_time")


async def test_owner_manager_and_admin_may_write_others_only_read_and_create(
    ada: Contacts, bob: Contacts, manager: Contacts, admin: Contacts
) -> None:
    company = await ada.company(display_name="Ada's")
    person = await ada.person(given_name="Ada's contact")
    # Everyone reads and creates.
    assert (await bob.get("Company", company.id)).id == company.id
    assert (await bob.people()) == ["Ada's contact"]
    bobs = await bob.person(given_name="Bob's contact")

    for call in (
        bob.update(pb.Company(id=company.id, industry="X")),
        bob.update(pb.Person(id=person.id, job_title="X")),
        bob.delete("Company", company.id),
        bob.delete("Person", person.id),
        bob.call("MergePeople", merge_people(person, bobs)),
        bob.call("MergePeople", merge_people(bobs, person)),
    ):
        error = await refused(call)
        assert (error.code, error.reason) == (
            grpc.StatusCode.PERMISSION_DENIED,
            "PERMISSION_DENIED",
        )

    for writer in (ada, manager, admin):
        updated = await writer.update(
            pb.Company(id=company.id, industry=writer.account_id), "industry"
        )
        assert updated.industry == writer.account_id
    await manager.delete("Person", person.id)
    error = await refused(bob.undelete("Person", person.id))
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    await admin.undelete("Person", person.id)
    merged = await manager.call(
        "MergePeople", merge_people(await ada.get("Person", person.id), bobs)
    )
    assert merged.owner_id == ada.account_id

    # Anonymous callers may do nothing at all.
    for method, request in [
        ("GetCompany", pb.GetCompanyRequest(id=company.id)),
        ("CreatePerson", pb.CreatePersonRequest(person=pb.Person(given_name="X"))),
        ("SearchPeople", pb.SearchPeopleRequest(query="ada")),
    ]:
        error = await refused(getattr(ada.stub, method)(request, timeout=30))
        assert error.code == grpc.StatusCode.UNAUTHENTICATED, method


async def test_undelete_after_purge_is_not_found(contacts_host: TestHost, ada: Contacts) -> None:
    company = await ada.company(display_name="Ephemeral")
    await ada.delete("Company", company.id)
    kit = contacts_host.host.kit
    table = kit.resource("contacts.company").table
    past = datetime.now(UTC) - timedelta(seconds=1)
    await kit.database.transaction(lambda s: s.execute(update(table).values(expire_time=past)))
    assert await kit.purge(retention=timedelta(days=7)) >= 1
    error = await refused(ada.undelete("Company", company.id))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")
    assert (await refused(ada.get("Company", company.id))).code == grpc.StatusCode.NOT_FOUND
