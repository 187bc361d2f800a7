"""Fixtures of the host's own tests.

They use only the plugins in tests/testplugins, never the workspace's
plugins: crm_host.testing's ``crm_host`` (in-process hosts of the given
plugin objects), ``crm_database_url`` and ``crm_serve``, and here the notes
test plugin installed for `crm-host serve` processes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from crm_host.testing import HostProcess, Serve
from support.notes import install_notes


@pytest.fixture(scope="session")
def notes_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment in which `crm-host` finds the notes test plugin installed."""
    return install_notes(tmp_path_factory.mktemp("notes-site"))


@pytest.fixture
def serve_notes(crm_serve: Serve, notes_env: dict[str, str]) -> Callable[..., HostProcess]:
    """`crm-host serve --plugins notes ARGS` in tmp_path, on a free port; killed afterwards."""

    def serve(*args: str, env: Mapping[str, str] | None = None) -> HostProcess:
        return crm_serve("notes", *args, env={**notes_env, **(env or {})})

    return serve
