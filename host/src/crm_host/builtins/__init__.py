"""The host's own parts, as plugins: they enter through the same hooks as any other.

Health, reflection, the database check, the resource kit's tables and
housekeeping, the event tables and EventService, and ListRoles are registered by every host
before the installed plugins; the built-in commands by the command line. They
are listed by ``crm-host plugins --all``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping

from crm_host._server.health import Health
from crm_host._server.plugins import PluginInfo, PluginManager
from crm_host.builtins.database import DatabaseCheck
from crm_host.builtins.events import EventsPlugin
from crm_host.builtins.health import HealthPlugin
from crm_host.builtins.kit import KitPlugin
from crm_host.builtins.reflection import ReflectionPlugin
from crm_host.builtins.roles import RolesPlugin
from crm_host.events import Events
from crm_host.kit.runtime import Kit

# Each built-in command's module, by its plugin name.
COMMANDS = {
    "host.serve": "crm_host.builtins.commands.serve",
    "host.migrate": "crm_host.builtins.commands.migrate",
    "host.config": "crm_host.builtins.commands.config",
    "host.plugins": "crm_host.builtins.commands.plugins",
    "host.codegen": "crm_host.builtins.commands.codegen",
    "host.new-plugin": "crm_host.builtins.commands.new_plugin",
    "host.events": "crm_host.builtins.commands.events",
}


def add_services(
    plugins: PluginManager,
    health: Health,
    service_names: Callable[[], Iterable[str]],
    kit: Kit,
    purge_interval: float,
    roles: Callable[[], Mapping[str, tuple[str, str]]],
    events: Events,
) -> None:
    """Register health, reflection, the database check, the kit, events and ListRoles."""
    for plugin, name in (
        (HealthPlugin(health), "host.health"),
        (ReflectionPlugin(service_names), "host.reflection"),
        (DatabaseCheck(), "host.database"),
        (KitPlugin(kit, purge_interval), "host.kit"),
        (EventsPlugin(events), "host.events"),
        (RolesPlugin(roles), "host.roles"),
    ):
        plugins.register(plugin, PluginInfo(name, builtin=True))


def add_commands(plugins: PluginManager) -> None:
    """Register the built-in commands with ``plugins``."""
    for name, module in COMMANDS.items():
        plugins.register(importlib.import_module(module), PluginInfo(name, builtin=True))
