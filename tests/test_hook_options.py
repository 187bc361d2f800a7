"""pluggy's ordering options would be silently ignored by the host: they are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pluggy
import pytest

from crm_host._server.plugins import PluginError, PluginManager
from crm_host.hookspecs import PROJECT_NAME, RegisterRole

marker = pluggy.HookimplMarker(PROJECT_NAME)


MARKED = {
    "tryfirst": marker(tryfirst=True),
    "trylast": marker(trylast=True),
    "wrapper": marker(wrapper=True),
    "hookwrapper": marker(hookwrapper=True),
}


@pytest.mark.parametrize("option", MARKED)
def test_ordering_options_are_refused_naming_the_plugin_and_hook(option: str) -> None:
    mark = MARKED[option]

    class Wrapping:
        @mark
        def register_roles(self, register: RegisterRole) -> Iterator[None]:
            yield

    class Ordered:
        @mark
        def register_roles(self, register: RegisterRole) -> None:
            register("auditor", "reads the audit log")

    plugin = Wrapping() if option in ("wrapper", "hookwrapper") else Ordered()
    with pytest.raises(PluginError) as refused:
        PluginManager().register(plugin, "ordered")
    assert str(refused.value) == (
        f"plugin 'ordered': hook register_roles is marked {option}=True, which crm-host does "
        "not support: hooks run once per plugin in dependency order; use "
        "declare_requirements to run after another plugin"
    )


def test_a_refused_plugin_leaves_nothing_registered() -> None:
    class Ordered:
        @marker(tryfirst=True)
        def register_roles(self, register: RegisterRole) -> None:
            register("auditor", "reads the audit log")

    plugins = PluginManager()
    with pytest.raises(PluginError):
        plugins.register(Ordered(), "ordered")
    assert plugins.plugins == []
    # The name is free again for a well-formed plugin.

    class Plain:
        @marker
        def register_roles(self, register: RegisterRole) -> None:
            register("auditor", "reads the audit log")

    plugins.register(Plain(), "ordered")
    assert [info.name for info in plugins.plugins] == ["ordered"]
