"""The accounts plugin's settings (``[plugins.accounts]``, ``CRM_ACCOUNTS__<KEY>``)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from argon2 import Parameters, profiles
from pydantic import Field

from crm_host import PluginSettings

Argon2Profile = Literal["rfc9106-low-memory", "owasp-minimum", "insecure-test-only"]
DEFAULT_ARGON2_PROFILE: Argon2Profile = "rfc9106-low-memory"
INSECURE_TEST_ONLY: Argon2Profile = "insecure-test-only"

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

# About 31 years in seconds: far beyond any sensible value, and within what
# datetime arithmetic can add to today.
_MAX_INT_SETTING = 10**9


def _default_hash_workers() -> int:
    # Leave a core for the event loop and the database driver.
    return max(1, (os.cpu_count() or 1) - 1)


def _count(default: int, help: str) -> Any:
    return Field(default, ge=1, le=_MAX_INT_SETTING, description=help)


class AccountsSettings(PluginSettings):
    """How accounts hash passwords, keep sessions and throttle logins."""

    argon2_profile: Argon2Profile = Field(
        DEFAULT_ARGON2_PROFILE, description="argon2id parameters for new password hashes"
    )
    hash_workers: int = Field(
        default_factory=_default_hash_workers,
        ge=1,
        le=_MAX_INT_SETTING,
        description="threads hashing passwords",
    )
    # A waiting request holds no hashing memory.
    hash_queue: int = _count(
        32, "requests that may wait for a hashing thread; more are refused at once"
    )
    session_ttl_seconds: int = _count(24 * 3600, "sessions end this long after Authenticate")
    allow_signup: bool = Field(
        True,
        description="when off, CreateAccount needs the admin role",
        # The name the project documented first.
        json_schema_extra={"env": ["CRM_ALLOW_SIGNUP"]},
    )
    # After login_max_failures failures for one email (or login_peer_max_failures
    # from one peer) within login_window_seconds, each further attempt must
    # wait login_backoff_seconds, doubling per failure, capped at the window.
    login_max_failures: int = _count(5, "failed logins per email and peer before backoff")
    login_peer_max_failures: int = _count(50, "failed logins per peer before backoff")
    login_window_seconds: int = _count(900, "how long failed logins are remembered")
    login_backoff_seconds: int = _count(1, "the first wait once a limit is reached")
    purge_interval_seconds: int = _count(
        600, "how often expired sessions and stale login-failure counts are deleted"
    )

    @property
    def argon2_parameters(self) -> Parameters:
        return ARGON2_PROFILES[self.argon2_profile]
