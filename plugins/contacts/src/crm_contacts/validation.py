"""Normalization and checks of companies, people and affiliations, field by field.

Each ``normalize_*`` changes the message in place to its stored form and
appends a violation per problem, naming the field relative to the resource
(``emails[1].address``); the kit prefixes the request field and checks the
declared bounds after it. Every length is checked before the parser it
protects runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import idna
import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from google.protobuf.message import Message

from crm_host import FieldViolation, kit

NAME_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 50
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 64
DOMAIN_MAX_LENGTH = 253
WEBSITE_MAX_LENGTH = 2048
MAX_EMAILS = 20
MAX_PHONES = 20
MAX_STREET_LINES = 5
POSTAL_CODE_MAX_LENGTH = 32
LABEL_KEY_MAX_LENGTH = 63

Violations = list[FieldViolation]


def phone_normalizer(default_region: str) -> Callable[[str, str, Violations], str]:
    """``normalize(number, field, violations)``: the number in E.164, or it unchanged.

    A number starting with + is read as international; any other in
    ``default_region``'s national format, or refused when there is none.
    """

    def normalize(number: str, field: str, violations: Violations) -> str:
        text = number.strip()
        if not text:
            return ""
        if len(text) > PHONE_MAX_LENGTH:
            violations.append(
                FieldViolation(
                    field, f"must be at most {PHONE_MAX_LENGTH} characters", "PHONE_TOO_LONG"
                )
            )
            return text
        international = text.startswith("+")
        if not international and not default_region:
            violations.append(
                FieldViolation(
                    field,
                    "must start with + and the country code (no default region is configured)",
                    "PHONE_REGION_UNKNOWN",
                )
            )
            return text
        try:
            parsed = phonenumbers.parse(text, None if international else default_region)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            violations.append(FieldViolation(field, "is not a valid phone number", "PHONE_INVALID"))
            return text
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    return normalize


def domain_key(text: str) -> str:
    """A domain's stored form (IDNA ASCII, lower case), or ``kit.fold(text)`` when it is none.

    Filters apply it to their values, which may hold wildcards.
    """
    try:
        return idna.encode(text.strip().rstrip("."), uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return kit.fold(text)


def _domain(value: str, violations: Violations) -> str:
    text = value.strip().rstrip(".")
    if not text:
        return ""
    if len(text) > DOMAIN_MAX_LENGTH:
        violations.append(
            FieldViolation(
                "domain", f"must be at most {DOMAIN_MAX_LENGTH} characters", "DOMAIN_TOO_LONG"
            )
        )
        return text
    try:
        ascii_form = idna.encode(text, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        ascii_form = ""
    if "." not in ascii_form:
        violations.append(
            FieldViolation("domain", "is not a domain name such as example.com", "DOMAIN_INVALID")
        )
        return text
    return ascii_form


def _website(value: str, violations: Violations) -> str:
    text = value.strip()
    if not text or len(text) > WEBSITE_MAX_LENGTH:
        # Too long: the declared max_length reports it.
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        violations.append(
            FieldViolation("website", "must be an http or https URL", "WEBSITE_INVALID")
        )
    return text


def _bounded(value: str, field: str, limit: int, violations: Violations) -> str:
    text = value.strip()
    if len(text) > limit:
        reason = field.rpartition(".")[2].upper() + "_TOO_LONG"
        violations.append(FieldViolation(field, f"must be at most {limit} characters", reason))
    return text


def _address(company: Any, violations: Violations) -> None:
    if not company.HasField("address"):
        return
    address = company.address
    if len(address.street_lines) > MAX_STREET_LINES:
        violations.append(
            FieldViolation(
                "address.street_lines",
                f"must have at most {MAX_STREET_LINES} lines",
                "STREET_LINES_TOO_MANY",
            )
        )
    else:
        lines = [
            _bounded(line, "address.street_lines", NAME_MAX_LENGTH, violations)
            for line in address.street_lines
        ]
        del address.street_lines[:]
        address.street_lines.extend(line for line in lines if line)
    address.locality = _bounded(address.locality, "address.locality", NAME_MAX_LENGTH, violations)
    address.region = _bounded(address.region, "address.region", NAME_MAX_LENGTH, violations)
    address.postal_code = _bounded(
        address.postal_code, "address.postal_code", POSTAL_CODE_MAX_LENGTH, violations
    )
    code = address.country_code.strip().upper()
    if code and (len(code) != 2 or pycountry.countries.get(alpha_2=code) is None):
        violations.append(
            FieldViolation(
                "address.country_code",
                "must be an ISO 3166-1 alpha-2 country code such as DE",
                "COUNTRY_CODE_INVALID",
            )
        )
    address.country_code = code
    if not any((address.street_lines, address.locality, address.region, address.postal_code, code)):
        company.ClearField("address")


def _label_keys(resource: Any, violations: Violations) -> None:
    for key in resource.labels:
        if not key.strip() or len(key) > LABEL_KEY_MAX_LENGTH:
            violations.append(
                FieldViolation(
                    "labels",
                    f"keys must be 1 to {LABEL_KEY_MAX_LENGTH} characters, not blank",
                    "LABELS_INVALID",
                )
            )
            return


def company_normalizer(phone: Callable[[str, str, Violations], str]) -> Any:
    def normalize(message: Message, violations: Violations) -> None:
        company: Any = message
        company.display_name = company.display_name.strip()
        company.domain = _domain(company.domain, violations)
        company.website = _website(company.website, violations)
        company.industry = company.industry.strip()
        if company.employee_count < 0:
            violations.append(
                FieldViolation("employee_count", "must not be negative", "EMPLOYEE_COUNT_INVALID")
            )
        company.phone = phone(company.phone, "phone", violations)
        _address(company, violations)
        _label_keys(company, violations)

    return normalize


def derive_company(message: Message) -> dict[str, Any]:
    company: Any = message
    return {"name_folded": kit.fold(company.display_name)}


def _emails(person: Any, violations: Violations) -> None:
    if len(person.emails) > MAX_EMAILS:
        # The declared max_items reports it; nothing more is parsed.
        return
    seen: set[str] = set()
    primaries = 0
    for index, email in enumerate(person.emails):
        field = f"emails[{index}].address"
        email.label = _bounded(email.label, f"emails[{index}].label", LABEL_MAX_LENGTH, violations)
        primaries += email.primary
        address = email.address.strip()
        if not address:
            violations.append(FieldViolation(field, "must not be empty", "EMAIL_EMPTY"))
            continue
        if len(address) > EMAIL_MAX_LENGTH:
            violations.append(
                FieldViolation(
                    field, f"must be at most {EMAIL_MAX_LENGTH} characters", "EMAIL_TOO_LONG"
                )
            )
            continue
        try:
            # Deliverability needs DNS: slow, flaky, and not a property of the input.
            address = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as error:
            violations.append(
                FieldViolation(field, f"not a valid email address: {error}", "EMAIL_INVALID")
            )
            continue
        email.address = address
        if kit.fold(address) in seen:
            violations.append(
                FieldViolation(field, "is already one of the person's addresses", "EMAIL_DUPLICATE")
            )
        seen.add(kit.fold(address))
    if primaries > 1:
        violations.append(
            FieldViolation("emails", "at most one address may be primary", "EMAILS_INVALID")
        )


def person_normalizer(phone: Callable[[str, str, Violations], str]) -> Any:
    def normalize(message: Message, violations: Violations) -> None:
        person: Any = message
        person.given_name = person.given_name.strip()
        person.family_name = person.family_name.strip()
        if not person.given_name and not person.family_name:
            for field in ("given_name", "family_name"):
                violations.append(
                    FieldViolation(
                        field,
                        "given_name or family_name must be set",
                        "NAME_EMPTY",
                    )
                )
        person.display_name = " ".join(n for n in (person.given_name, person.family_name) if n)
        person.job_title = person.job_title.strip()
        _emails(person, violations)
        if len(person.phones) <= MAX_PHONES:
            for index, number in enumerate(person.phones):
                number.number = phone(number.number, f"phones[{index}].number", violations)
                number.label = _bounded(
                    number.label, f"phones[{index}].label", LABEL_MAX_LENGTH, violations
                )
        _label_keys(person, violations)

    return normalize


def derive_person(message: Message) -> dict[str, Any]:
    person: Any = message
    addresses = [kit.fold(email.address) for email in person.emails]
    primary = next((kit.fold(e.address) for e in person.emails if e.primary), "")
    display = kit.fold(person.display_name)
    return {
        "name_folded": display,
        "given_name_folded": kit.fold(person.given_name),
        "family_name_folded": kit.fold(person.family_name),
        "primary_email": primary,
        "email_keys": "".join(f"\n{address}" for address in addresses) + "\n" if addresses else "",
        "search_text": "\n".join([display, *addresses]),
    }


def _date(affiliation: Any, name: str, violations: Violations) -> datetime.date | None:
    if not affiliation.HasField(name):
        return None
    value = getattr(affiliation, name)
    try:
        return datetime.date(value.year, value.month, value.day)
    except ValueError:
        violations.append(
            FieldViolation(name, "must be a calendar date (year, month and day)", "DATE_INVALID")
        )
        return None


def normalize_affiliation(message: Message, violations: Violations) -> None:
    affiliation: Any = message
    affiliation.role = affiliation.role.strip()
    start = _date(affiliation, "start_date", violations)
    end = _date(affiliation, "end_date", violations)
    if start is not None and end is not None and end < start:
        violations.append(
            FieldViolation("end_date", "must not be before start_date", "END_DATE_INVALID")
        )
