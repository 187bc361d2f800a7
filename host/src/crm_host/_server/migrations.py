"""Per-plugin schema migrations with Alembic.

Each plugin ships its own revision scripts in a folder it registers with
``register_schema``, and keeps its own version table
(``alembic_version_<plugin>``), so plugins migrate independently and never
see each other's revisions. Plugins need no ``env.py``: the host drives
Alembic's EnvironmentContext itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text

from crm_host._server.plugins import PluginInfo

# Any constant works; it only has to be the same for every replica.
_PG_MIGRATION_LOCK = 0x43524D48  # "CRMH"


@dataclass(frozen=True)
class PluginSchema:
    """A plugin's tables and the folder of its Alembic revision scripts."""

    plugin: PluginInfo
    metadata: MetaData
    migrations: Path

    @property
    def version_table(self) -> str:
        # Built-in plugins' names have dots ("host.kit"); table names must not.
        return f"alembic_version_{re.sub(r'[^A-Za-z0-9_]', '_', self.plugin.name)}"

    def script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self._config())

    def _config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.migrations))
        return config

    def head(self) -> str | None:
        return self.script().get_current_head()

    def current(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": self.version_table})
        return context.get_current_revision()

    def upgrade(self, connection: Connection, *, sql_output: TextIO | None = None) -> None:
        """Upgrade to head on ``connection``, or write the SQL to ``sql_output`` instead."""
        script = self.script()
        starting = self.current(connection)

        def upgrade_steps(revision: Any, _context: MigrationContext) -> Any:
            return script._upgrade_revs("head", revision)

        offline = sql_output is not None
        options: dict[str, Any] = {
            "target_metadata": self.metadata,
            "version_table": self.version_table,
            # SQLite cannot ALTER most things in place; batch mode copies tables.
            "render_as_batch": connection.dialect.name == "sqlite",
        }
        if offline:
            options |= {
                "url": connection.engine.url,
                "output_buffer": sql_output,
                "literal_binds": True,
                "starting_rev": starting,
            }
        else:
            options["connection"] = connection
        with EnvironmentContext(
            self._config(),
            script,
            fn=upgrade_steps,
            as_sql=offline,
            # Offline there is no database to ask where to start from.
            starting_rev=starting if offline else None,
            destination_rev="head",
        ) as environment:
            environment.configure(**options)
            with environment.begin_transaction():
                environment.run_migrations()

    def differences(self, connection: Connection) -> list[Any]:
        """What autogenerate would change to make the database match the models."""
        own_tables = set(self.metadata.tables)

        dialect = connection.dialect.name

        def include_name(name: str | None, kind: str, _parent: Any) -> bool:
            return kind != "table" or name in own_tables

        def include_object(
            item: Any, _name: str | None, _kind: str, _reflected: bool, _other: Any
        ) -> bool:
            # An index or constraint made on one engine only (``.ddl_if(dialect=...)``)
            # is missing on the others by design.
            condition = getattr(item, "_ddl_if", None)
            return condition is None or condition.dialect in (None, dialect)

        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": include_name,
                "include_object": include_object,
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, self.metadata))


@dataclass(frozen=True)
class Outdated:
    schema: PluginSchema
    current: str | None
    head: str | None
    # The database is at a revision the plugin does not know: a newer version
    # of the plugin migrated it, and migrating cannot help.
    unknown: bool = False

    def __str__(self) -> str:
        if self.unknown:
            return (
                f"the database schema of {self.schema.plugin.label} is at revision "
                f"{self.current}, which this version does not know (plugin at {self.head})"
            )
        return (
            f"{self.schema.plugin.label} needs a schema migration "
            f"(database at {self.current or 'no revision'}, plugin at {self.head})"
        )


def outdated(engine: Engine, schemas: Iterable[PluginSchema]) -> list[Outdated]:
    """The plugins whose schema in the database is not at their head revision."""
    behind = []
    with engine.connect() as connection:
        for schema in schemas:
            current, head = schema.current(connection), schema.head()
            if current != head:
                known = {script.revision for script in schema.script().walk_revisions()}
                behind.append(Outdated(schema, current, head, current not in known | {None}))
    return behind


def upgrade_all(
    engine: Engine, schemas: Iterable[PluginSchema], *, sql_output: TextIO | None = None
) -> None:
    """Upgrade every plugin's schema, in the given (dependency) order.

    On PostgreSQL an advisory lock serializes replicas that migrate at once.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql" and sql_output is None:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        for schema in schemas:
            schema.upgrade(connection, sql_output=sql_output)
