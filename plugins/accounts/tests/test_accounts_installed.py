"""The accounts plugin as installed: its distribution and entry point, as crm-host finds them."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version


def test_the_installed_accounts_plugin_is_found_through_its_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_host", "plugins", "--json", "--plugins", "accounts"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [accounts] = json.loads(result.stdout)
    assert accounts["name"] == "accounts"
    assert accounts["distribution"] == "crm-accounts"
    assert accounts["version"] == version("crm-accounts")
    assert accounts["services"] == ["accounts.v1.AccountsService"]
    assert "register_services" in accounts["hooks"]
