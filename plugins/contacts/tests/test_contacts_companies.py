"""Companies over the wire: every standard method, their checks and their errors."""

from __future__ import annotations

import grpc

from crm_contacts._proto.contacts.v1 import contacts_pb2 as pb

from .contacts_client import DOMAIN, Contacts, refused


async def test_create_normalizes_and_get_list_update_delete_undelete(ada: Contacts) -> None:
    created = await ada.company(
        display_name="  Bücher GmbH ",
        domain="BÜCHER.example.",
        website="https://bücher.example/",
        industry="Retail",
        employee_count=12,
        phone="+49 30 901820",
        address=pb.PostalAddress(
            street_lines=["Hauptstr. 1", " "], locality="Berlin", country_code="de"
        ),
        labels={"tier": "gold"},
    )
    assert created.display_name == "Bücher GmbH"
    assert created.domain == "xn--bcher-kva.example"
    assert created.phone == "+4930901820"
    assert list(created.address.street_lines) == ["Hauptstr. 1"]
    assert created.address.country_code == "DE"
    assert created.owner_id == ada.account_id
    assert created.etag == '"1"'
    assert await ada.get("Company", created.id) == created

    await ada.company(
        display_name="Acme", industry="Retail", address=pb.PostalAddress(country_code="US")
    )
    listed = await ada.call("ListCompanies", pb.ListCompaniesRequest(order_by="display_name"))
    assert [c.display_name for c in listed.companies] == ["Acme", "Bücher GmbH"]
    for filter_, names in [
        ('domain = "bücher.example"', ["Bücher GmbH"]),
        ('domain = "XN--BCHER-KVA.EXAMPLE"', ["Bücher GmbH"]),
        ('display_name = "bücher*"', ["Bücher GmbH"]),
        ("address.country_code = us", ["Acme"]),
        ("labels.tier = gold", ["Bücher GmbH"]),
        ("employee_count > 5", ["Bücher GmbH"]),
    ]:
        page = await ada.call("ListCompanies", pb.ListCompaniesRequest(filter=filter_))
        assert [c.display_name for c in page.companies] == names, filter_

    updated = await ada.update(pb.Company(id=created.id, industry="Books"), "industry")
    assert (updated.industry, updated.domain, updated.etag) == ("Books", created.domain, '"2"')
    error = await refused(ada.update(pb.Company(id=created.id, industry="X", etag=created.etag)))
    assert (error.code, error.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")

    deleted = await ada.delete("Company", created.id, etag=updated.etag)
    assert deleted.HasField("delete_time")
    assert deleted.HasField("expire_time")
    listed = await ada.call("ListCompanies", pb.ListCompaniesRequest())
    assert [c.display_name for c in listed.companies] == ["Acme"]
    shown = await ada.call("ListCompanies", pb.ListCompaniesRequest(show_deleted=True))
    assert len(shown.companies) == 2
    restored = await ada.undelete("Company", created.id)
    assert not restored.HasField("delete_time")


async def test_invalid_fields_are_all_named(ada: Contacts) -> None:
    error = await refused(
        ada.company(
            display_name=" ",
            domain="not a domain",
            website="ftp://example.com",
            employee_count=-1,
            phone="030 901820",
            address=pb.PostalAddress(country_code="AC"),
        )
    )
    assert (error.code, error.reason, error.domain) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "VALIDATION_FAILED",
        DOMAIN,
    )
    assert dict(error.violations) == {
        "company.display_name": "DISPLAY_NAME_EMPTY",
        "company.domain": "DOMAIN_INVALID",
        "company.website": "WEBSITE_INVALID",
        "company.employee_count": "EMPLOYEE_COUNT_INVALID",
        "company.phone": "PHONE_REGION_UNKNOWN",
        "company.address.country_code": "COUNTRY_CODE_INVALID",
    }
    error = await refused(ada.company(display_name="X", phone="+1 555"))
    assert error.violations == [("company.phone", "PHONE_INVALID")]


async def test_a_domain_is_unique_among_live_companies_in_any_case_and_form(
    ada: Contacts, bob: Contacts
) -> None:
    first = await ada.company(display_name="Bücher", domain="xn--bcher-kva.example")
    error = await refused(bob.company(display_name="Other", domain="BÜCHER.EXAMPLE"))
    assert (error.code, error.reason) == (grpc.StatusCode.ALREADY_EXISTS, "DOMAIN_ALREADY_EXISTS")
    await ada.delete("Company", first.id)
    second = await bob.company(display_name="Other", domain="bücher.example")
    assert second.domain == first.domain
    error = await refused(ada.undelete("Company", first.id))
    assert (error.code, error.reason) == (grpc.StatusCode.ALREADY_EXISTS, "DOMAIN_ALREADY_EXISTS")
    # Empty domains never clash.
    await ada.company(display_name="No domain 1")
    await ada.company(display_name="No domain 2")


async def test_request_id_makes_create_idempotent(ada: Contacts) -> None:
    request_id = "5f0c6f8e-2f7e-4a39-9d8e-2d1c8f1f0a11"
    first = await ada.company(request_id, display_name="Once")
    assert await ada.company(request_id, display_name="Once") == first
    error = await refused(ada.company(request_id, display_name="Twice"))
    assert (error.code, error.violations) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        [("request_id", "REQUEST_ID_REUSED")],
    )
    listed = await ada.call("ListCompanies", pb.ListCompaniesRequest())
    assert len(listed.companies) == 1
