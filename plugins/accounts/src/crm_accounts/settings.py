"""The accounts plugin's settings (``CRM_ACCOUNTS__<KEY>``)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from argon2 import Parameters, profiles

DEFAULT_ARGON2_PROFILE = "rfc9106-low-memory"
INSECURE_TEST_ONLY = "insecure-test-only"

ARGON2_PROFILES: Mapping[str, Parameters] = MappingProxyType(
    {
        # argon2-cffi's own default: t=3, m=64 MiB, p=4.
        DEFAULT_ARGON2_PROFILE: profiles.RFC_9106_LOW_MEMORY,
        # The floor of the OWASP Password Storage Cheat Sheet, for small machines.
        "owasp-minimum": dataclasses.replace(
            profiles.RFC_9106_LOW_MEMORY, time_cost=2, memory_cost=19456, parallelism=1
        ),
        INSECURE_TEST_ONLY: profiles.CHEAPEST,
    }
)


def _default_hash_workers() -> int:
    # Leave a core for the event loop and the database driver.
    return max(1, (os.cpu_count() or 1) - 1)


@dataclass(frozen=True)
class AccountsSettings:
    """Validated settings; construct with :meth:`from_mapping`."""

    argon2_profile: str = DEFAULT_ARGON2_PROFILE
    hash_workers: int = field(default_factory=_default_hash_workers)
    # Requests that may wait for a hashing thread; more are refused at once
    # (RESOURCE_EXHAUSTED) instead of queueing without bound. A waiting
    # request holds no hashing memory.
    hash_queue: int = 32
    # Sessions end this long after Authenticate, however active (absolute expiry).
    session_ttl_seconds: int = 24 * 3600
    # When off, CreateAccount needs the admin role.
    allow_signup: bool = True
    # Login throttling: after login_max_failures failures for one email (or
    # login_peer_max_failures from one peer) within login_window_seconds, each
    # further attempt must wait login_backoff_seconds, doubling per failure,
    # capped at the window.
    login_max_failures: int = 5
    login_peer_max_failures: int = 50
    login_window_seconds: int = 900
    login_backoff_seconds: int = 1

    def __post_init__(self) -> None:
        if self.argon2_profile not in ARGON2_PROFILES:
            raise ValueError(
                f"argon2_profile: unknown profile {self.argon2_profile!r}; "
                f"expected one of: {', '.join(ARGON2_PROFILES)}"
            )
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and not 1 <= value <= _MAX_INT_SETTING:
                raise ValueError(f"{f.name}: must be 1 to {_MAX_INT_SETTING}, got {value}")

    @property
    def argon2_parameters(self) -> Parameters:
        return ARGON2_PROFILES[self.argon2_profile]

    @classmethod
    def from_mapping(
        cls, settings: Mapping[str, str], environ: Mapping[str, str] = os.environ
    ) -> AccountsSettings:
        """Parse the host's settings mapping; raise ValueError naming the bad key.

        ``CRM_ALLOW_SIGNUP`` in ``environ`` is honoured when ``allow_signup`` is
        not set, as the name the project documents for it.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(settings) - fields.keys())
        if unknown:
            raise ValueError(
                f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(fields))}"
            )
        raw = dict(settings)
        if "allow_signup" not in raw and "CRM_ALLOW_SIGNUP" in environ:
            raw["allow_signup"] = environ["CRM_ALLOW_SIGNUP"]
        values: dict[str, object] = {}
        for name, text in raw.items():
            kind = fields[name].type
            if kind == "int":
                try:
                    values[name] = int(text)
                except ValueError:
                    raise ValueError(f"{name}: not an integer: {text!r}") from None
            elif kind == "bool":
                if text.lower() not in _BOOLEANS:
                    raise ValueError(f"{name}: expected true or false, got {text!r}")
                values[name] = _BOOLEANS[text.lower()]
            else:
                values[name] = text
        return cls(**values)  # type: ignore[arg-type]


# About 31 years in seconds: far beyond any sensible value, and within what
# datetime arithmetic can add to today.
_MAX_INT_SETTING = 10**9

_BOOLEANS = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
