"""Settings and commands for the hosts tests start (crm_host.testing starts them)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable

from crm_host._server.lifecycle import Host

# argon2's cheapest parameters keep the suite fast; production defaults are tested
# by the benchmarks, not here.
CHEAP_ACCOUNTS = {"argon2_profile": "insecure-test-only"}
CHEAP_ACCOUNTS_ENV = {"CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"}

StartHost = Callable[..., Awaitable[Host]]
"""The ``start_host`` fixture: start an in-process host with (plugin, name) pairs."""


def create_admin(database_url: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    """`crm-host accounts create-admin` against ``database_url``, password on stdin."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "crm_host",
            "accounts",
            "create-admin",
            "--email",
            email,
            "--database-url",
            database_url,
        ],
        input=f"{password}\n",
        env={**os.environ, **CHEAP_ACCOUNTS_ENV, "CRM_PLUGINS": "accounts"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
