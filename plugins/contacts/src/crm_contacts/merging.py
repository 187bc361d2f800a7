"""What a merge keeps: the target's values, and from the sources what the target lacks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message

from crm_host import kit

# Company fields a merge fills from the sources when the target's are empty.
COMPANY_FILLED = ("domain", "website", "industry", "employee_count", "phone")


def _labels(merged: Any, source: Any) -> None:
    for key, value in source.labels.items():
        if key not in merged.labels:
            merged.labels[key] = value


def people(target: Message, sources: Sequence[Message]) -> Message:
    """The target with the sources' other addresses, numbers and labels.

    A moved address is primary only if it was and the target has none yet.
    """
    merged: Any = type(target)()
    merged.CopyFrom(target)
    addresses = {kit.fold(email.address) for email in merged.emails}
    numbers = {phone.number for phone in merged.phones}
    has_primary = any(email.primary for email in merged.emails)
    for source in sources:
        person: Any = source
        for email in person.emails:
            if kit.fold(email.address) in addresses:
                continue
            moved = merged.emails.add()
            moved.CopyFrom(email)
            moved.primary = email.primary and not has_primary
            has_primary = has_primary or moved.primary
            addresses.add(kit.fold(email.address))
        for phone in person.phones:
            if phone.number not in numbers:
                merged.phones.add().CopyFrom(phone)
                numbers.add(phone.number)
        _labels(merged, person)
    result: Message = merged
    return result


def companies(target: Message, sources: Sequence[Message]) -> Message:
    """The target with its empty fields filled from the sources, in order, and their labels."""
    merged: Any = type(target)()
    merged.CopyFrom(target)
    for source in sources:
        company: Any = source
        for name in COMPANY_FILLED:
            if not getattr(merged, name):
                setattr(merged, name, getattr(company, name))
        if not merged.HasField("address") and company.HasField("address"):
            merged.address.CopyFrom(company.address)
        _labels(merged, company)
    result: Message = merged
    return result
