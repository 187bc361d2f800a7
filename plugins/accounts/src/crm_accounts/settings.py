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

    def __post_init__(self) -> None:
        if self.argon2_profile not in ARGON2_PROFILES:
            raise ValueError(
                f"argon2_profile: unknown profile {self.argon2_profile!r}; "
                f"expected one of: {', '.join(ARGON2_PROFILES)}"
            )
        if self.hash_workers < 1:
            raise ValueError(f"hash_workers: must be at least 1, got {self.hash_workers}")

    @property
    def argon2_parameters(self) -> Parameters:
        return ARGON2_PROFILES[self.argon2_profile]

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> AccountsSettings:
        """Parse the host's settings mapping; raise ValueError naming the bad key."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(
                f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        argon2_profile = settings.get("argon2_profile", DEFAULT_ARGON2_PROFILE)
        if "hash_workers" in settings:
            raw = settings["hash_workers"]
            try:
                hash_workers = int(raw)
            except ValueError:
                raise ValueError(f"hash_workers: not an integer: {raw!r}") from None
        else:
            hash_workers = _default_hash_workers()
        return cls(argon2_profile=argon2_profile, hash_workers=hash_workers)
