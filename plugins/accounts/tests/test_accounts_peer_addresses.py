"""Login throttling over real IPv4 and IPv6 sockets, from many source addresses.

The scenario (accounts_peer_sources.py) runs in a subprocess under
``unshare -n``, in a private network namespace where it may put documentation
addresses (2001:db8::/32, 192.0.2.0/24) on the loopback; this process stays
in the machine's own namespace. Clients reach a `crm-host serve` listening on
``[::]`` from several addresses of one /64: the kernel gives a connection to
an address the machine holds that same address as its source, so connecting
to each address in turn is connecting *from* it.

Creating a network namespace needs privileges (root, or user namespaces).
Without them the test skips, or fails when CI=1 or CRM_REQUIRE_NETNS=1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).parent / "accounts_peer_sources.py"


def netns_unavailable() -> str | None:
    """Why no private network namespace can be made here, or None if one can."""
    if sys.platform != "linux":
        return "network namespaces are Linux's"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip()}"
    return None


def required(variable: str) -> bool:
    # CI systems spell it CI=1 or CI=true.
    return os.environ.get(variable, "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    reason = netns_unavailable()
    if reason is not None:
        if required("CI") or required("CRM_REQUIRE_NETNS"):
            pytest.fail(f"{reason} (a network namespace is required: CI or CRM_REQUIRE_NETNS)")
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("peer-sources")
    run = subprocess.run(
        ["unshare", "-n", sys.executable, str(SCENARIO), str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result: dict[str, Any] = json.loads(run.stdout.splitlines()[-1])
    return result


def test_each_client_really_comes_from_its_own_address(scenario: dict[str, Any]) -> None:
    # The premise of the other tests: without distinct sources they prove nothing.
    assert scenario["sources"] == {address: address for address in scenario["sources"]}
    assert len(scenario["sources"]) == 10


def test_a_slash_64_gets_login_max_failures_password_checks_in_all(
    scenario: dict[str, Any],
) -> None:
    """Issue 11: seven addresses of one /64 got 35 password checks instead of 5."""
    group = scenario["groups"]["2001:db8::/64"]
    assert len(group["per_address"]) == 7
    attempts = 7 * scenario["attempts_per_address"]
    assert (group["checked"], group["refused"]) == (5, attempts - 5), group


def test_another_slash_64_and_each_ipv4_address_have_budgets_of_their_own(
    scenario: dict[str, Any],
) -> None:
    attempts = scenario["attempts_per_address"]
    for name in ("2001:db8:0:1::/64", "192.0.2.1", "192.0.2.2"):
        group = scenario["groups"][name]
        assert (group["checked"], group["refused"]) == (5, attempts - 5), (name, group)
