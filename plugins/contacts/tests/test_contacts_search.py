"""SearchPeople on both engines: names, emails and company names, any case, newest first, paged."""

from __future__ import annotations

import grpc

from crm_contacts._proto.contacts.v1 import contacts_pb2 as pb

from .contacts_client import Contacts, refused


async def test_search_finds_names_emails_and_company_names(ada: Contacts) -> None:
    nordic = await ada.company(display_name="Nordic Books")
    await ada.person(
        given_name="Åsa", family_name="Lind", emails=[pb.EmailAddress(address="asa@example.com")]
    )
    await ada.person(given_name="Bo", family_name="Berg", primary_company_id=nordic.id)
    cy = await ada.person(given_name="Cy", family_name="Park")
    await ada.affiliation(person_id=cy.id, company_id=nordic.id)
    await ada.person(
        given_name="Dee",
        family_name="Norton",
        emails=[pb.EmailAddress(address="dee@north.example")],
    )
    await ada.person(given_name="Under_Score")
    await ada.person(given_name="Marxsen")
    gone = await ada.person(given_name="Nora", family_name="Gone")
    await ada.delete("Person", gone.id)

    for query, names in [
        ("nord", ["Cy Park", "Bo Berg"]),
        ("ÅSA", ["Åsa Lind"]),
        ("asa@EXAMPLE", ["Åsa Lind"]),
        ("north.ex", ["Dee Norton"]),
        # Shorter than a trigram: read without the index, same answers.
        ("no", ["Dee Norton", "Cy Park", "Bo Berg"]),
        ("Y", ["Cy Park"]),
        # % and _ are characters like any other, and so is a double quote.
        ("r_s", ["Under_Score"]),
        ("%", []),
        ('o"b', []),
    ]:
        assert await ada.search(query) == names, query

    # The company's current name counts.
    await ada.update(pb.Company(id=nordic.id, display_name="Fjord Books"), "display_name")
    assert await ada.search("nord") == []
    assert await ada.search("FJORD", page_size=1) == ["Cy Park", "Bo Berg"]


async def test_search_pages_merge_every_way_of_matching_newest_first(ada: Contacts) -> None:
    works = await ada.company(display_name="Kestrel Works")
    labs = await ada.company(display_name="Kestrel Labs")
    created = []
    for n in range(3):
        created.append(await ada.person(given_name=f"Kestrel {n}"))
        created.append(await ada.person(given_name=f"Worker {n}", primary_company_id=works.id))
        twice = await ada.person(given_name=f"Affiliated {n}")
        # At both companies, and a match by name too: still one person, once.
        await ada.affiliation(person_id=twice.id, company_id=works.id)
        await ada.affiliation(person_id=twice.id, company_id=labs.id)
        created.append(twice)
        gone = await ada.person(given_name=f"Kestrel gone {n}", primary_company_id=labs.id)
        await ada.delete("Person", gone.id)
    await ada.person(given_name="Unrelated")
    newest_first = [person.display_name for person in reversed(created)]
    for page_size in (1, 2, 4, 50):
        assert await ada.search("kestrel", page_size=page_size) == newest_first, page_size
    assert await ada.search("ffiliated 1", page_size=1) == ["Affiliated 1"]


async def test_search_pages_are_bound_to_the_query(ada: Contacts) -> None:
    for name in ("Ann", "Anna", "Anne"):
        await ada.person(given_name=name)
    first = await ada.call("SearchPeople", pb.SearchPeopleRequest(query="ann", page_size=2))
    assert [p.display_name for p in first.people] == ["Anne", "Anna"]
    second = await ada.call(
        "SearchPeople",
        pb.SearchPeopleRequest(query="ANN", page_size=2, page_token=first.next_page_token),
    )
    assert ([p.display_name for p in second.people], second.next_page_token) == (["Ann"], "")
    error = await refused(
        ada.call(
            "SearchPeople",
            pb.SearchPeopleRequest(query="anne", page_token=first.next_page_token),
        )
    )
    assert error.violations == [("page_token", "PAGE_TOKEN_MISMATCH")]
    for query, reason in [("  ", "QUERY_EMPTY"), ("x" * 201, "QUERY_TOO_LONG")]:
        error = await refused(ada.call("SearchPeople", pb.SearchPeopleRequest(query=query)))
        assert (error.code, error.violations) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            [("query", reason)],
        )
    error = await refused(ada.call("SearchPeople", pb.SearchPeopleRequest(query="x" * 801)))
    assert error.violations == [("query", "FIELD_TOO_LARGE")]
