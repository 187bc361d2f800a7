"""Property-based tests (hypothesis): no input makes the contacts service fail internally."""

from __future__ import annotations

import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_contacts._proto.contacts.v1 import contacts_pb2 as pb
from crm_host.testing import code_of

from .contacts_client import Contacts

# The host is started once per test and shared by its examples.
SHARED_HOST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
EXPECTED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.ALREADY_EXISTS,
}

# Anything a client can put in a proto3 string: all of Unicode but surrogates.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
odd_text = st.one_of(
    any_text,
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "+",
            "+1 555",
            "+49 30 901820",
            "xn--",
            "xn--bcher-kva.example",
            "bücher.example.",
            "a..b",
            "http://",
            "https://[::1",
            "😀.😀",
            '%_*\\"',
            "x" * 5000,
        ]
    ),
)


@SHARED_HOST
@given(
    display_name=odd_text,
    domain=odd_text,
    website=odd_text,
    phone=odd_text,
    country_code=odd_text,
    street=odd_text,
    employee_count=st.integers(-(2**31), 2**31 - 1),
    label=st.tuples(odd_text, odd_text),
)
async def test_company_input_never_fails_internally(
    ada: Contacts,
    display_name: str,
    domain: str,
    website: str,
    phone: str,
    country_code: str,
    street: str,
    employee_count: int,
    label: tuple[str, str],
) -> None:
    company = pb.Company(
        display_name=display_name,
        domain=domain,
        website=website,
        phone=phone,
        employee_count=employee_count,
        address=pb.PostalAddress(street_lines=[street], country_code=country_code),
        labels=dict([label]),
    )
    code = await code_of(ada.call("CreateCompany", pb.CreateCompanyRequest(company=company)))
    assert code in EXPECTED


@SHARED_HOST
@given(
    given_name=odd_text,
    address=odd_text,
    number=odd_text,
    primary=st.booleans(),
    year=st.integers(-(2**31), 2**31 - 1),
    month=st.integers(-(2**31), 2**31 - 1),
    query=odd_text,
)
async def test_person_and_search_input_never_fails_internally(
    ada: Contacts,
    given_name: str,
    address: str,
    number: str,
    primary: bool,
    year: int,
    month: int,
    query: str,
) -> None:
    person = pb.Person(
        given_name=given_name,
        emails=[pb.EmailAddress(address=address, primary=primary)],
        phones=[pb.PhoneNumber(number=number)],
    )
    code = await code_of(ada.call("CreatePerson", pb.CreatePersonRequest(person=person)))
    assert code in EXPECTED
    link = pb.Affiliation(
        person_id=given_name, company_id=address, start_date=pb.Date(year=year, month=month)
    )
    code = await code_of(
        ada.call("CreateAffiliation", pb.CreateAffiliationRequest(affiliation=link))
    )
    assert code in EXPECTED
    for request in (
        pb.SearchPeopleRequest(query=query),
        pb.ListPeopleRequest(filter=f'emails.address = "{query}"'),
        pb.ListCompaniesRequest(filter=f"domain = {query}"),
    ):
        method = type(request).__name__.removesuffix("Request")
        assert await code_of(ada.call(method, request)) in EXPECTED, method
