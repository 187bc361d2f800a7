"""Plugins declare the plugins they need and the host versions they support."""

from __future__ import annotations

import pytest

from crm_host import __version__
from crm_host._server.plugins import PluginError
from crm_host.testing import StartHost
from testplugins.faulty import Lifecycle, Requiring


async def test_plugins_start_after_the_plugins_they_require(crm_host: StartHost) -> None:
    calls: list[str] = []
    host = await crm_host(
        (Requiring("deals", calls, ["contacts"], host=">=0.1,<1"), "deals"),
        (Requiring("contacts", calls, ["base"]), "contacts"),
        (Lifecycle("base", calls), "base"),
    )
    assert calls == ["startup base", "startup contacts", "startup deals"]
    await host.host.stop(0)
    assert calls[3:] == ["shutdown deals", "shutdown contacts", "shutdown base"]


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        (
            [("deals", ["contacts"], None)],
            "plugin 'deals': requires plugin 'contacts', which is not loaded",
        ),
        (
            [("a", ["b"], None), ("b", ["c"], None), ("c", ["a"], None)],
            "plugins require each other in a cycle: a -> b -> c -> a",
        ),
        (
            [("future", [], ">=2.0")],
            f"plugin 'future': supports crm-host >=2.0, not crm-host {__version__}",
        ),
        (
            [("typo", [], "=>1")],
            "plugin 'typo': declares an invalid crm-host version range '=>1'",
        ),
    ],
)
async def test_unmet_requirements_stop_the_host_naming_both_sides(
    crm_host: StartHost, plugins: list[tuple[str, list[str], str | None]], message: str
) -> None:
    calls: list[str] = []
    with pytest.raises(PluginError) as failure:
        await crm_host(
            *((Requiring(name, calls, needs, host), name) for name, needs, host in plugins)
        )
    assert str(failure.value) == message
    assert calls == []
