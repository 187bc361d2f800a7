"""The contacts plugin's settings (``[plugins.contacts]``, ``CRM_CONTACTS__<KEY>``)."""

from __future__ import annotations

import phonenumbers
from pydantic import Field, field_validator

from crm_host import PluginSettings


class ContactsSettings(PluginSettings):
    default_phone_region: str = Field(
        default="",
        description=(
            "the region (ISO 3166-1 alpha-2, as libphonenumber knows it: DE, US) whose "
            "national format a phone number without a leading + is read in; empty: such "
            "numbers are refused"
        ),
    )

    @field_validator("default_phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region and region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region libphonenumber knows")
        return region
