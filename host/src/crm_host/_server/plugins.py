"""Finding, loading and calling plugins.

pluggy's own ``load_setuptools_entrypoints`` aborts on the first broken entry
point with a traceback that does not say which distribution it came from, and
its hook calls do not say which plugin raised. We load entry points one by one
and call hooks plugin by plugin, so every failure names its plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from crm_host import hookspecs

ENTRY_POINT_GROUP = "crm_host"


@dataclass(frozen=True)
class PluginInfo:
    """Where a plugin came from, for listings and error messages."""

    name: str
    distribution: str | None = None
    version: str | None = None
    # Part of crm-host itself (crm_host.builtins): listed only on request,
    # and its commands are top-level ones.
    builtin: bool = False

    @property
    def label(self) -> str:
        if self.builtin:
            return f"built-in plugin '{self.name}'"
        if self.distribution is None:
            return f"plugin '{self.name}'"
        return f"plugin '{self.name}' ({self.distribution} {self.version})"


class PluginError(Exception):
    """A plugin could not be loaded, validated or started.

    ``str()`` is a single line naming the plugin and the cause.
    """

    def __init__(self, plugin: PluginInfo | None, cause: str) -> None:
        self.plugin = plugin
        self.cause = " ".join(cause.split())
        prefix = f"{plugin.label}: " if plugin else ""
        super().__init__(prefix + self.cause)


def describe(exc: BaseException) -> str:
    """One line for an exception: its type and message."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _dist_label(ep: EntryPoint) -> str:
    return f"{ep.dist.name} {ep.dist.version}" if ep.dist else ep.value


def _check_host_version(plugin: PluginInfo, specifier: str, host_version: str) -> None:
    try:
        supported = SpecifierSet(specifier)
    except InvalidSpecifier:
        raise PluginError(
            plugin, f"declares an invalid crm-host version range {specifier!r}"
        ) from None
    if not supported.contains(Version(host_version), prereleases=True):
        raise PluginError(plugin, f"supports crm-host {specifier}, not crm-host {host_version}")


def _dependency_order(requires: Mapping[str, list[str]]) -> list[str]:
    """Plugin names with every plugin after the ones it requires; load order otherwise."""
    ordered: list[str] = []
    placed: set[str] = set()
    visiting: list[str] = []

    def place(name: str) -> None:
        if name in placed:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise PluginError(None, f"plugins require each other in a cycle: {' -> '.join(cycle)}")
        visiting.append(name)
        for dependency in requires[name]:
            place(dependency)
        visiting.pop()
        placed.add(name)
        ordered.append(name)

    for name in requires:
        place(name)
    return ordered


# The hookimpl options pluggy would use to order or wrap implementations.
# The host calls implementations itself, one plugin at a time in dependency
# order (declare_requirements), so it could not honour them: they are refused.
_ORDERING_OPTIONS = ("tryfirst", "trylast", "wrapper", "hookwrapper")


def _refuse_ordering_options(callers: Sequence[pluggy.HookCaller], plugin: str) -> None:
    for caller in callers:
        for impl in caller.get_hookimpls():
            if impl.plugin_name != plugin:
                continue
            used = [option for option in _ORDERING_OPTIONS if getattr(impl, option)]
            if used:
                raise PluginError(
                    None,
                    f"hook {caller.name} is marked {', '.join(f'{o}=True' for o in used)}, "
                    "which crm-host does not support: hooks run once per plugin in "
                    "dependency order; use declare_requirements to run after another plugin",
                )


class PluginManager:
    """The host's registry of plugins and the only place that talks to pluggy."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._rank: dict[str, int] = {}

    @property
    def plugins(self) -> list[PluginInfo]:
        return list(self._infos.values())

    def register(self, plugin: object, info: PluginInfo | str) -> None:
        """Register a plugin object or module, e.g. one a test defines."""
        if isinstance(info, str):
            info = PluginInfo(info)
        if info.name in self._infos:
            other = self._infos[info.name]
            raise PluginError(info, f"the plugin name is already taken by {other.label}")
        try:
            self._pm.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(info, str(exc)) from exc
        try:
            _refuse_ordering_options(self._pm.get_hookcallers(plugin) or [], info.name)
        except PluginError as exc:
            self._pm.unregister(plugin)
            raise PluginError(info, exc.cause) from None
        self._infos[info.name] = info

    def load_entrypoints(
        self, only: Collection[str] | None = None, failures: list[str] | None = None
    ) -> None:
        """Load the installed plugins, or only those named in ``only``.

        With ``failures``, a plugin that cannot be loaded is described there
        and the others still load; otherwise its PluginError is raised.
        """
        found: dict[str, EntryPoint] = {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in found and _dist_label(found[ep.name]) != _dist_label(ep):
                first, second = (_dist_label(e) for e in (found[ep.name], ep))
                raise PluginError(
                    None, f"plugin name '{ep.name}' is claimed by both {first} and {second}"
                )
            found.setdefault(ep.name, ep)
        if only is not None:
            missing = sorted(set(only) - found.keys())
            if missing:
                installed = ", ".join(sorted(found)) or "none"
                raise PluginError(
                    None,
                    f"plugin(s) {', '.join(missing)} not installed (installed: {installed})",
                )
            found = {name: ep for name, ep in found.items() if name in only}
        for name in sorted(found):
            try:
                self._load(found[name])
            except PluginError as exc:
                if failures is None:
                    raise
                failures.append(str(exc))

    def _load(self, ep: EntryPoint) -> None:
        dist = ep.dist
        info = PluginInfo(
            name=ep.name,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
        )
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(info, f"failed to import {ep.value}: {describe(exc)}") from exc
        self.register(plugin, info)

    def check_pending(self) -> None:
        """Refuse hook implementations that match no hook (usually a misspelling)."""
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self._pm.get_name(exc.plugin)
            raise PluginError(self._infos.get(name or ""), str(exc)) from exc

    def resolve_requirements(self, host_version: str) -> None:
        """Check every plugin's declared requirements and order plugins by them.

        Dependencies come first; otherwise load order is kept.
        """
        # The host's own plugins come first; the others keep their load order.
        names = sorted(self._infos, key=lambda name: not self._infos[name].builtin)
        requires: dict[str, list[str]] = {name: [] for name in names}

        def requirer(info: PluginInfo) -> dict[str, Any]:
            def require(*, plugins: Sequence[str] = (), host: str | None = None) -> None:
                if host is not None:
                    _check_host_version(info, host, host_version)
                for name in plugins:
                    if name not in self._infos:
                        raise PluginError(info, f"requires plugin '{name}', which is not loaded")
                    requires[info.name].append(name)

            return {"require": require}

        self.call_each_now("declare_requirements", per_plugin=requirer)
        self._rank = {name: rank for rank, name in enumerate(_dependency_order(requires))}

    def hook_specs(self) -> dict[str, list[str]]:
        """Every hook of the contract with its argument names."""
        hooks = {}
        for name in dir(self._pm.hook):
            caller = getattr(self._pm.hook, name)
            if not name.startswith("_") and caller.spec is not None:
                hooks[name] = list(caller.spec.argnames)
        return hooks

    def hook_names(self, plugin: PluginInfo) -> list[str]:
        callers = self._pm.get_hookcallers(self._pm.get_plugin(plugin.name)) or []
        return sorted(caller.name for caller in callers)

    def _impls(self, hook: str) -> Iterator[tuple[PluginInfo, Callable[..., Any], list[str]]]:
        impls = getattr(self._pm.hook, hook).get_hookimpls()
        # Stable: plugins of equal rank keep their load order.
        for impl in sorted(impls, key=lambda impl: self._rank.get(impl.plugin_name, -1)):
            names = [*impl.argnames, *impl.kwargnames]
            yield self._infos[impl.plugin_name], impl.function, names

    def call_each_now(
        self,
        hook: str,
        *,
        per_plugin: Callable[[PluginInfo], Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        """Call a load-time ``hook`` on each plugin, in order; none may be async."""
        for info, function, argnames in self._impls(hook):
            available = {**kwargs, **(per_plugin(info) if per_plugin else {})}
            try:
                result = function(**{name: available[name] for name in argnames})
                if inspect.isawaitable(result):
                    raise PluginError(info, f"hook {hook} must not be async: it runs at load time")
            except Exception as exc:
                raise _attributed(exc, info, hook, None) from exc

    async def call_each(
        self,
        hook: str,
        *,
        per_plugin: Callable[[PluginInfo], Mapping[str, Any]] | None = None,
        reverse: bool = False,
        on_error: Callable[[PluginError], None] | None = None,
        time_limit: float | None = None,
        **kwargs: Any,
    ) -> None:
        """Call ``hook`` on each plugin in load order (or reversed), awaiting async ones.

        ``per_plugin`` supplies the arguments that differ between plugins, such
        as their settings. An exception becomes a PluginError naming the plugin:
        it is raised, or handed to ``on_error`` and the remaining plugins still run.

        With ``time_limit`` (seconds, 0 for none) each implementation is bounded
        as :func:`_call_bounded` describes; running past it is such an error.
        """
        impls = list(self._impls(hook))
        for info, function, argnames in reversed(impls) if reverse else impls:
            available = {**kwargs, **(per_plugin(info) if per_plugin else {})}
            arguments = {name: available[name] for name in argnames}
            try:
                if time_limit is None:
                    result = function(**arguments)
                    if inspect.isawaitable(result):
                        await result
                else:
                    thread = f"crm-{hook}-{info.name}"
                    await _call_bounded(function, arguments, time_limit, thread)
            except Exception as exc:
                error = _attributed(exc, info, hook, time_limit)
                if on_error is None:
                    raise error from error.__cause__
                on_error(error)


def _attributed(
    exc: Exception, info: PluginInfo, hook: str, time_limit: float | None
) -> PluginError:
    """``exc``, raised by ``info``'s ``hook``, as a PluginError naming the plugin."""
    if isinstance(exc, PluginError):
        return exc
    if isinstance(exc, _GaveUp):
        return PluginError(
            info, f"hook {hook} did not finish within {time_limit:g}s (hook_timeout_seconds)"
        )
    error = PluginError(info, f"hook {hook} raised {describe(exc)}")
    error.__cause__ = exc
    return error


class _GaveUp(Exception):
    """A bounded hook implementation ran past its timeout."""


async def _call_bounded(
    function: Callable[..., Any], arguments: Mapping[str, Any], time_limit: float, thread: str
) -> None:
    """Call ``function``, awaiting what it returns, for at most ``time_limit`` seconds (0: none).

    A plain function runs on a daemon thread of its own: a blocked thread cannot
    be interrupted, but then it blocks neither the event loop nor, once given
    up on, the process's exit. A coroutine is cancelled when its time is up.
    """
    limit = asyncio.timeout(time_limit or None)
    try:
        async with limit:
            if inspect.iscoroutinefunction(function):
                result = function(**arguments)
            else:
                result = await _on_daemon_thread(function, arguments, thread)
            if inspect.isawaitable(result):
                await result
    except TimeoutError:
        if limit.expired():
            raise _GaveUp from None
        raise


async def _on_daemon_thread(
    function: Callable[..., Any], arguments: Mapping[str, Any], name: str
) -> Any:
    """``function(**arguments)`` on a new daemon thread, in a copy of this context."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: Any, error: Exception | None) -> None:
        # Done already when the caller stopped waiting (timeout or cancellation).
        if future.done():
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)

    def run() -> None:
        try:
            outcome: tuple[Any, Exception | None] = (context.run(function, **arguments), None)
        except Exception as exc:
            outcome = (None, exc)
        # The loop may be closed by the time a thread that was given up on returns.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future
