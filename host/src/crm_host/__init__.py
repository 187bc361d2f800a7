"""CRM Host: a plugin-based gRPC host for CRM services.

Plugin authors import :data:`hookimpl` from here and never import pluggy.
"""

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar, cast

import pluggy

from crm_host.hookspecs import PROJECT_NAME

_F = TypeVar("_F", bound=Callable[..., Any])

hookimpl = cast(Callable[[_F], _F], pluggy.HookimplMarker(PROJECT_NAME))
"""Marks a plugin function as the implementation of the hook of the same name."""

try:
    __version__ = version("crm-host")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = ["__version__", "hookimpl"]
