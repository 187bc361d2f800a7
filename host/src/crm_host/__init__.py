"""CRM Host: a plugin-based gRPC host for CRM services.

This module is the whole public API a plugin may use; everything else in
``crm_host`` but :mod:`crm_host.hookspecs` (the contract) and
:mod:`crm_host.testing` (pytest fixtures) is private and may change. A
plugin writes ``import crm_host`` and ``@crm_host.hookimpl``; it never
imports pluggy. docs/writing-a-plugin.md documents each name.
"""

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar, cast

import pluggy

from crm_host import events, kit
from crm_host.auth import (
    AUTHENTICATED,
    PUBLIC,
    Authenticator,
    Principal,
    client_address,
    principal,
    role,
)
from crm_host.commands import CommandContext
from crm_host.database import Database
from crm_host.errors import HOST_DOMAIN, FieldViolation, ServiceError, one_per_field, shown
from crm_host.hookspecs import PROJECT_NAME
from crm_host.settings import PluginSettings

_F = TypeVar("_F", bound=Callable[..., Any])

hookimpl = cast(Callable[[_F], _F], pluggy.HookimplMarker(PROJECT_NAME))
"""Marks a plugin function as the implementation of the hook of the same name."""

try:
    __version__ = version("crm-host")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = [
    "AUTHENTICATED",
    "HOST_DOMAIN",
    "PUBLIC",
    "Authenticator",
    "CommandContext",
    "Database",
    "FieldViolation",
    "PluginSettings",
    "Principal",
    "ServiceError",
    "__version__",
    "client_address",
    "events",
    "hookimpl",
    "kit",
    "one_per_field",
    "principal",
    "role",
    "shown",
]
