"""What a plugin's command gets: the configured database and the plugin's settings.

A plugin adds ``crm-host <plugin> <command>`` by registering a
``click.Command`` (hook ``register_commands``). Before the command runs, the
host reads the configuration (flags, ``CRM_*`` variables, ``--config``),
loads the selected plugins, validates their settings, collects their services
and event types and prepares the schema as ``serve`` does; the command
receives a :class:`CommandContext` through ``@click.pass_obj``::

    @click.command("purge", help="delete what has expired")
    @click.option("--dry-run", is_flag=True)
    @click.pass_obj
    async def purge(context: crm_host.CommandContext, dry_run: bool) -> int:
        removed = await context.database.transaction(...)
        return 0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from crm_host.database import Database
    from crm_host.events import Events
    from crm_host.kit import Kit
    from crm_host.settings import PluginSettings

__all__ = ["CommandContext"]


@dataclass
class CommandContext:
    """The configured host a command runs against."""

    # The plugin the command belongs to ("" for the host's own commands).
    plugin: str
    # Set by the host for its own commands: the configuration and the host.
    _host: Any = field(default=None, repr=False)

    @property
    def database(self) -> Database:
        database: Database = self._host.database
        return database

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def kit(self) -> Kit:
        """The host's kit, with every plugin's resources declared (as ``serve`` has them)."""
        kit: Kit = self._host.kit
        return kit

    @property
    def events(self) -> Events:
        """The host's events: ``events.publish`` works; the loaded plugins' types are declared."""
        events: Events = self._host.events
        return events

    @property
    def settings(self) -> PluginSettings:
        """The plugin's validated settings."""
        settings: PluginSettings = self._host.plugin_settings[self.plugin]
        return settings
