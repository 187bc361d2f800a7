"""People and affiliations over the wire: names, emails, phones, links, references."""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2

from crm_contacts._proto.contacts.v1 import contacts_pb2 as pb
from crm_host.testing import StartHost

from .contacts_client import CHEAP_ACCOUNTS, Contacts, World, refused, world

MISSING = "99999999-9999-4999-8999-999999999999"


def email(address: str, primary: bool = False, label: str = "") -> pb.EmailAddress:
    return pb.EmailAddress(address=address, primary=primary, label=label)


async def test_a_person_is_normalized_and_derived(ada: Contacts) -> None:
    person = await ada.person(
        given_name=" Åsa ",
        family_name="Lind",
        display_name="ignored: output only",
        emails=[email("Asa@Example.COM", primary=True, label="work"), email("asa@home.example")],
        phones=[pb.PhoneNumber(number="+44 20 7946 0958", label="office")],
        job_title=" CTO ",
    )
    assert (person.given_name, person.display_name, person.job_title) == ("Åsa", "Åsa Lind", "CTO")
    # email-validator's normal form: the domain in lower case, the local part kept.
    assert [e.address for e in person.emails] == ["Asa@example.com", "asa@home.example"]
    assert [p.number for p in person.phones] == ["+442079460958"]
    assert person.owner_id == ada.account_id
    only_family = await ada.person(family_name="Nakamura")
    assert only_family.display_name == "Nakamura"
    updated = await ada.update(pb.Person(id=only_family.id, given_name="Kenji"), "given_name")
    assert updated.display_name == "Kenji Nakamura"


async def test_invalid_people_name_each_field(ada: Contacts) -> None:
    error = await refused(
        ada.person(
            emails=[email("not-an-address", primary=True), email("b@example.com", primary=True)],
            phones=[pb.PhoneNumber(number="12345")],
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(error.violations) == {
        "person.given_name": "NAME_EMPTY",
        "person.family_name": "NAME_EMPTY",
        "person.emails[0].address": "EMAIL_INVALID",
        "person.emails": "EMAILS_INVALID",
        "person.phones[0].number": "PHONE_REGION_UNKNOWN",
    }
    error = await refused(
        ada.person(given_name="A", emails=[email("a@example.com"), email("A@EXAMPLE.com")])
    )
    assert error.violations == [("person.emails[1].address", "EMAIL_DUPLICATE")]
    error = await refused(
        ada.person(given_name="A", emails=[email(f"{i}@x.example") for i in range(21)])
    )
    assert error.violations == [("person.emails", "EMAILS_TOO_MANY")]


async def test_the_primary_email_is_unique_among_live_people(ada: Contacts, bob: Contacts) -> None:
    first = await ada.person(given_name="A", emails=[email("same@example.com", primary=True)])
    error = await refused(
        bob.person(given_name="B", emails=[email("SAME@example.com", primary=True)])
    )
    assert (error.code, error.reason, error.metadata) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "PRIMARY_EMAIL_ALREADY_EXISTS",
        {"field": "emails"},
    )
    # Not primary: no clash.
    await bob.person(given_name="B", emails=[email("same@example.com")])
    await ada.delete("Person", first.id)
    await bob.person(given_name="C", emails=[email("Same@Example.com", primary=True)])


async def test_people_filter_on_names_emails_and_flags(ada: Contacts) -> None:
    await ada.person(given_name="Ann", family_name="Lee", emails=[email("ann@example.com")])
    await ada.person(
        given_name="Bo",
        family_name="LEE",
        emails=[email("bo@work.example", primary=True), email("bo@home.example")],
        do_not_contact=True,
    )
    await ada.person(given_name="Cy", family_name="Park")
    for filter_, names in [
        ('family_name = "lee"', ["Ann Lee", "Bo LEE"]),
        ('emails.address = "BO@HOME.example"', ["Bo LEE"]),
        ('emails.address != "bo@home.example"', ["Ann Lee", "Cy Park"]),
        ("emails.address:work", ["Bo LEE"]),
        ("do_not_contact = true", ["Bo LEE"]),
        ('display_name = "*park"', ["Cy Park"]),
    ]:
        assert await ada.people(filter=filter_) == names, filter_
    assert await ada.people(order_by="display_name desc") == ["Cy Park", "Bo LEE", "Ann Lee"]
    error = await refused(ada.people(filter="emails.address > a"))
    assert error.violations == [("filter", "FILTER_INVALID")]


async def test_affiliations_link_people_and_companies(ada: Contacts) -> None:
    company = await ada.company(display_name="Acme")
    person = await ada.person(given_name="Ann", primary_company_id=company.id)
    link = await ada.affiliation(
        person_id=person.id,
        company_id=company.id,
        role=" Advisor ",
        primary=True,
        start_date=pb.Date(year=2024, month=2, day=29),
    )
    assert (link.role, link.start_date.day) == ("Advisor", 29)
    assert await ada.get("Affiliation", link.id) == link
    page = await ada.call(
        "ListAffiliations", pb.ListAffiliationsRequest(filter=f'person_id = "{person.id}"')
    )
    assert [a.id for a in page.affiliations] == [link.id]
    changed = await ada.update(
        pb.Affiliation(id=link.id, end_date=pb.Date(year=2025, month=1, day=1)), "end_date"
    )
    assert changed.end_date.year == 2025

    error = await refused(ada.update(pb.Affiliation(id=link.id, person_id=company.id)))
    assert error.violations == [("affiliation.person_id", "FIELD_IMMUTABLE")]
    error = await refused(
        ada.affiliation(
            person_id=person.id,
            company_id=MISSING,
            start_date=pb.Date(year=2025, month=2, day=29),
        )
    )
    assert dict(error.violations) == {
        "affiliation.company_id": "COMPANY_ID_NOT_FOUND",
        "affiliation.start_date": "DATE_INVALID",
    }
    error = await refused(
        ada.affiliation(
            person_id=person.id,
            company_id=company.id,
            start_date=pb.Date(year=2025, month=3, day=1),
            end_date=pb.Date(year=2025, month=2, day=1),
        )
    )
    assert error.violations == [("affiliation.end_date", "END_DATE_INVALID")]
    error = await refused(ada.affiliation(role="orphan"))
    assert dict(error.violations) == {
        "affiliation.person_id": "PERSON_ID_EMPTY",
        "affiliation.company_id": "COMPANY_ID_EMPTY",
    }

    # Affiliations are deleted for good; a company's delete takes its links with it
    # and clears the people's primary_company_id.
    other = await ada.affiliation(person_id=person.id, company_id=company.id)
    assert await ada.delete("Affiliation", other.id) == empty_pb2.Empty()
    assert (await refused(ada.get("Affiliation", other.id))).code == grpc.StatusCode.NOT_FOUND
    await ada.delete("Company", company.id)
    assert (await refused(ada.get("Affiliation", link.id))).code == grpc.StatusCode.NOT_FOUND
    assert (await ada.get("Person", person.id)).primary_company_id == ""


async def test_owner_references_are_checked_and_cleared(people: World, ada: Contacts) -> None:
    error = await refused(ada.company(display_name="X", owner_id=MISSING))
    assert (error.code, error.violations) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        [("company.owner_id", "OWNER_ID_NOT_FOUND")],
    )
    error = await refused(ada.person(given_name="X", owner_id="not-a-uuid"))
    assert error.violations == [("person.owner_id", "ID_INVALID")]
    error = await refused(ada.person(given_name="X", primary_company_id=MISSING))
    assert error.violations == [("person.primary_company_id", "PRIMARY_COMPANY_ID_NOT_FOUND")]

    leaving = await people.caller("Leaving")
    company = await leaving.company(display_name="Theirs")
    person = await ada.person(given_name="Given", owner_id=leaving.account_id)
    assert (company.owner_id, person.owner_id) == (leaving.account_id, leaving.account_id)
    await people.delete_account(leaving.account_id)
    company_now = await ada.get("Company", company.id)
    person_now = await ada.get("Person", person.id)
    assert (company_now.owner_id, person_now.owner_id) == ("", "")
    assert company_now.etag != company.etag


async def test_a_default_region_reads_national_numbers(crm_host: StartHost) -> None:
    host = await crm_host(
        "accounts",
        "contacts",
        settings={"accounts": CHEAP_ACCOUNTS, "contacts": {"default_phone_region": "de"}},
    )
    async for made in world(host):
        caller = await made.caller("Local")
        person = await caller.person(
            given_name="Lena",
            phones=[pb.PhoneNumber(number="030 901820"), pb.PhoneNumber(number="+1 650-253-0000")],
        )
        assert [p.number for p in person.phones] == ["+4930901820", "+16502530000"]
        company = await caller.company(display_name="Lokal", phone="(030) 901820")
        assert company.phone == "+4930901820"
