"""Typed plugin settings.

A plugin declares its settings as a subclass of :class:`PluginSettings` (a
pydantic model) and registers it with the ``register_settings`` hook. The
host fills it from the ``[plugins.<name>]`` table of the configuration file,
from ``CRM_<PLUGIN>__<KEY>`` environment variables and from
``--set <plugin>.<key>=<value>`` flags (each source overriding the one
before), validates it before anything starts, and hands the instance to the
plugin's hooks as ``settings``. ``crm-host config`` shows every field with
its source; fields typed :class:`pydantic.SecretStr` are shown redacted.

A field may name further environment variables that set it, for names a
project documented before (``json_schema_extra={"env": ["CRM_ALLOW_SIGNUP"]}``);
the plugin's own ``CRM_<PLUGIN>__<KEY>`` variable still wins over them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["PluginSettings"]


class PluginSettings(BaseModel):
    """The base of every plugin's settings: immutable, and unknown keys are errors.

    A plugin that registers no settings class gets an instance of this one,
    which accepts no keys at all.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
