"""Plugins that break the contract in one way each."""

from __future__ import annotations

from crm_host import hookimpl
from crm_host.hookspecs import Require


class StartupFails:
    @hookimpl
    async def startup(self) -> None:
        raise RuntimeError("cannot reach the mail server")


class MisspelledHook:
    @hookimpl
    def register_service(self) -> None:  # the hook is register_services
        """Never called: the host refuses the plugin first."""


class Lifecycle:
    """Records which lifecycle hooks ran, for shutdown-order tests."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name = name
        self.calls = calls

    @hookimpl
    async def startup(self) -> None:
        self.calls.append(f"startup {self.name}")

    @hookimpl
    def shutdown(self) -> None:
        self.calls.append(f"shutdown {self.name}")


class Requiring(Lifecycle):
    """A lifecycle plugin that declares requirements."""

    def __init__(
        self, name: str, calls: list[str], plugins: list[str], host: str | None = None
    ) -> None:
        super().__init__(name, calls)
        self.plugins = plugins
        self.host = host

    @hookimpl
    def declare_requirements(self, require: Require) -> None:
        require(plugins=self.plugins, host=self.host)
