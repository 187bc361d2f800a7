"""Companies, people and affiliations as kit resources: the whole of their standard methods.

The declarations depend on the plugin's settings (the default phone region),
so :func:`declare` makes them when the host registers the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, not_

from crm_contacts._proto.contacts.v1 import contacts_pb2
from crm_contacts.models import AffiliationRow, CompanyRow, PersonRow
from crm_contacts.settings import ContactsSettings
from crm_contacts.validation import (
    DOMAIN_MAX_LENGTH,
    MAX_EMAILS,
    MAX_PHONES,
    NAME_MAX_LENGTH,
    WEBSITE_MAX_LENGTH,
    company_normalizer,
    derive_company,
    derive_person,
    domain_key,
    normalize_affiliation,
    person_normalizer,
    phone_normalizer,
)
from crm_host import kit

COMPANY = "contacts.company"
PERSON = "contacts.person"
AFFILIATION = "contacts.affiliation"
ACCOUNT = "accounts.account"

MANAGER = "contacts.manager"
# Registered by the accounts plugin, which contacts requires.
ADMIN = "admin"
# Who may change, delete, undelete or merge a company or a person.
MAY_WRITE = kit.owner() | kit.has_role(MANAGER) | kit.has_role(ADMIN)

RETENTION = timedelta(days=30)
MAX_LABELS = 64


def _name(**options: Any) -> kit.Field:
    return kit.Field(max_length=NAME_MAX_LENGTH, **options)


def _folded(column: Any, **options: Any) -> kit.Field:
    return _name(filter=True, filter_column=column, fold=kit.fold, **options)


def _labels() -> kit.Field:
    return kit.Field(max_length=NAME_MAX_LENGTH, max_items=MAX_LABELS, filter=True)


def _email_filter(operator: str, value: Any) -> ColumnElement[bool]:
    """``emails.address``: a whole address (``=``, ``!=``) or part of one (``:``), any case.

    A ``*`` is part of an address, not a wildcard.
    """
    key = kit.fold(value)
    column = PersonRow.email_keys
    if operator == ":":
        part: ColumnElement[bool] = column.contains(key, autoescape=True)
        return part
    whole: ColumnElement[bool] = column.contains(f"\n{key}\n", autoescape=True)
    return whole if operator == "=" else not_(whole)


@dataclass(frozen=True)
class Declarations:
    company: kit.Resource
    person: kit.Resource
    affiliation: kit.Resource

    @property
    def all(self) -> list[kit.Resource]:
        return [self.company, self.person, self.affiliation]


def declare(settings: ContactsSettings) -> Declarations:
    phone = phone_normalizer(settings.default_phone_region)
    owner = kit.Field(filter=True, default_caller=True)
    company = kit.Resource(
        name=COMPANY,
        message=contacts_pb2.Company,
        model=CompanyRow,
        plural="Companies",
        fields={
            "display_name": _folded(
                CompanyRow.name_folded, required=True, sort=True, sort_column=CompanyRow.name_folded
            ),
            "domain": kit.Field(max_length=DOMAIN_MAX_LENGTH, filter=True, fold=domain_key),
            "website": kit.Field(max_length=WEBSITE_MAX_LENGTH),
            "industry": _name(filter=True),
            "employee_count": kit.Field(filter=True, sort=True),
            "phone": kit.Field(filter=True),
            "owner_id": owner,
            "labels": _labels(),
        },
        unique=[kit.Unique("domain")],
        references=[kit.Reference("owner_id", ACCOUNT, on_delete=kit.OnDelete.SET_NULL)],
        soft_delete=kit.SoftDelete(retention=RETENTION),
        access=kit.Access(write_rule=MAY_WRITE),
        normalize=company_normalizer(phone),
        derive=derive_company,
        extra_filters=[
            kit.Filterable(
                "address.country_code",
                kit.ValueType.STRING,
                CompanyRow.address["country_code"].as_string(),
                fold=str.upper,
            )
        ],
    )
    person = kit.Resource(
        name=PERSON,
        message=contacts_pb2.Person,
        model=PersonRow,
        plural="People",
        fields={
            "given_name": _folded(PersonRow.given_name_folded),
            "family_name": _folded(PersonRow.family_name_folded),
            "display_name": kit.Field(
                output_only=True,
                filter=True,
                filter_column=PersonRow.name_folded,
                fold=kit.fold,
                sort=True,
                sort_column=PersonRow.name_folded,
            ),
            "emails": kit.Field(max_items=MAX_EMAILS),
            "phones": kit.Field(max_items=MAX_PHONES),
            "job_title": _name(filter=True),
            "primary_company_id": kit.Field(filter=True),
            "owner_id": owner,
            "do_not_contact": kit.Field(filter=True),
            "labels": _labels(),
        },
        unique=[kit.Unique("emails", column=PersonRow.primary_email, name="primary email")],
        references=[
            kit.Reference("primary_company_id", COMPANY, on_delete=kit.OnDelete.SET_NULL),
            kit.Reference("owner_id", ACCOUNT, on_delete=kit.OnDelete.SET_NULL),
        ],
        soft_delete=kit.SoftDelete(retention=RETENTION),
        access=kit.Access(write_rule=MAY_WRITE),
        normalize=person_normalizer(phone),
        derive=derive_person,
        extra_filters=[
            kit.Filterable(
                "emails.address",
                kit.ValueType.STRING,
                compile=_email_filter,
                operators=frozenset({"=", "!=", ":"}),
            )
        ],
    )
    affiliation = kit.Resource(
        name=AFFILIATION,
        message=contacts_pb2.Affiliation,
        model=AffiliationRow,
        fields={
            "person_id": kit.Field(required=True, immutable=True, filter=True),
            "company_id": kit.Field(required=True, immutable=True, filter=True),
            "role": _name(filter=True),
            "primary": kit.Field(filter=True),
        },
        references=[
            kit.Reference("person_id", PERSON, on_delete=kit.OnDelete.CASCADE),
            kit.Reference("company_id", COMPANY, on_delete=kit.OnDelete.CASCADE),
        ],
        normalize=normalize_affiliation,
    )
    return Declarations(company, person, affiliation)
