"""Serving: one host in this process, or ``--workers N`` processes sharing one port.

With several workers this process only supervises. gRPC does not survive
``fork()`` once it has started threads or created a server, so the supervisor
never creates a gRPC object: each worker is a fresh interpreter
(``python -m crm_host._server.workers``) with its own event loop, gRPC server, database
pool and hashing pool. As in grpc's multiprocessing example, the workers'
servers bind one port with ``SO_REUSEPORT`` and the kernel spreads incoming
connections over them; the supervisor reserves that port first.

Each worker gets a socket to the supervisor (a socketpair). The supervisor
sends the worker its settings on it, as one JSON line, so secrets never show
in a command line or an environment; the worker answers ``listening`` once
it serves. When the supervisor dies, even by SIGKILL, the kernel closes its
end and the worker sees end-of-file: it then drains and exits as on SIGTERM.
Unlike ``PR_SET_PDEATHSIG`` this needs no ctypes, is not Linux-only, has no
window before it is armed (the end-of-file is still there when the worker
starts watching), and drains calls instead of killing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_host._server import logs
from crm_host._server.config import ConfigError, HostSettings, Value
from crm_host._server.lifecycle import Host, HostError
from crm_host._server.metrics import parse_address
from crm_host._server.plugins import PluginError, PluginManager

log = logging.getLogger("crm_host")

LISTENING = b"listening\n"
# A worker restarted after dying is delayed by this, doubled for each death in
# a row that came within STABLE_SECONDS of its start, up to MAX_BACKOFF.
BACKOFF = 0.5
MAX_BACKOFF = 8.0
STABLE_SECONDS = 10.0
# More quick deaths in a row than this and the supervisor gives up.
MAX_QUICK_DEATHS = 5
# Beyond drain_delay + grace, before a worker that ignores SIGTERM is killed.
STOP_MARGIN = 10.0


def run(host: Host, control: socket.socket | None = None) -> None:
    """:func:`serve` ``host`` on uvloop's event loop when it is installed (crm-host[uvloop]).

    uvloop runs the event loop's own share of each call with about a quarter
    fewer instructions (docs/benchmarks.md); grpc.aio supports it.
    """
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(host, control))
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve(host, control))


async def serve(host: Host, control: socket.socket | None = None) -> None:
    """Serve until SIGTERM or SIGINT, or until ``control`` (to a supervisor) closes."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if control is not None:
        _stop_when_closed(control, stop)
    try:
        await host.start()
        if control is not None:
            # A gone supervisor is noticed by _stop_when_closed.
            with contextlib.suppress(OSError):
                control.send(LISTENING)
        await stop.wait()
        log.info("shutting down: draining calls for up to %ss", host.settings.grace)
    finally:
        await host.stop()
    log.info("stopped")


def _stop_when_closed(control: socket.socket, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    control.setblocking(False)

    def readable() -> None:
        try:
            data = control.recv(64)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(control)
            log.warning("the supervisor is gone; stopping")
            stop.set()

    loop.add_reader(control, readable)


@contextlib.contextmanager
def reserve_port(listen: str) -> Iterator[str]:
    """Hold ``listen``'s port for the workers; yield the address with the port filled in.

    Each address is bound without SO_REUSEPORT first, which fails while any
    other socket has the port - including one of the same user that set
    SO_REUSEPORT itself, which Linux would otherwise let share it - and the
    option is set afterwards so the workers can join. The sockets never
    listen, so they take no connections; they stay bound while the workers
    run, so the port is not lost while a worker restarts.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise HostError("several workers need SO_REUSEPORT, which this system does not have")
    try:
        host, port = parse_address(listen)
    except ValueError:
        raise HostError(
            f"cannot listen on {listen}: several workers need a host:port address"
        ) from None
    sockets: list[socket.socket] = []
    try:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except socket.gaierror as exc:
            raise HostError(f"cannot listen on {listen}: {exc.strerror}") from None
        for family, kind, proto, _, address in dict.fromkeys(found):
            try:
                sock = socket.socket(family, kind, proto)
                sockets.append(sock)
                if family == socket.AF_INET6:
                    # As grpc binds [::]: both IPv6 and IPv4.
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                sock.bind((address[0], port, *address[2:]))
                port = port or sock.getsockname()[1]
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            except OSError as exc:
                raise HostError(f"cannot listen on {listen}: {exc.strerror}") from None
        yield f"{listen.rpartition(':')[0]}:{port}"
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class _Worker:
    index: int
    process: asyncio.subprocess.Process
    control: asyncio.StreamWriter
    started: float = field(default_factory=time.monotonic)
    listening: asyncio.Event = field(default_factory=asyncio.Event)
    watcher: asyncio.Task[None] | None = None

    def close(self) -> None:
        self.control.close()
        if self.watcher is not None:
            self.watcher.cancel()


def _death(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    """Keeps ``count`` workers running on one address until SIGTERM or SIGINT."""

    def __init__(self, spec: dict[str, Any], count: int, listen: str, port: int) -> None:
        self.spec = spec
        self.count = count
        self.listen = listen
        self.port = port
        self.workers: list[_Worker | None] = [None] * count
        self._ever_listened = [asyncio.Event() for _ in range(count)]
        self._announced = False
        self._stopping = asyncio.Event()
        settings = spec["settings"]
        self._stop_timeout = settings["drain_delay"] + settings["grace"] + STOP_MARGIN

    async def run(self) -> int:
        """0 when every worker stopped cleanly on SIGTERM or SIGINT, else 1.

        Raises HostError when a worker fails to start, or keeps dying.
        """
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopping.set)
        slots = [asyncio.create_task(self._keep(index)) for index in range(self.count)]
        announcer = asyncio.create_task(self._announce())
        stopping = asyncio.create_task(self._stopping.wait())
        await asyncio.wait([*slots, stopping], return_when=asyncio.FIRST_COMPLETED)
        if self._stopping.is_set():
            log.info("shutting down: stopping %d workers", self.count)
        self._stopping.set()
        announcer.cancel()
        outcomes = await asyncio.gather(*slots, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        log.info("stopped")
        return 0 if all(outcomes) else 1

    async def _announce(self) -> None:
        await asyncio.gather(*(event.wait() for event in self._ever_listened))
        self._announced = True
        pids = ", ".join(str(w.process.pid) for w in self.workers if w is not None)
        log.info(
            "crm-host listening on %s (port %d) with %d workers (pids %s)",
            self.listen,
            self.port,
            self.count,
            pids,
        )

    async def _keep(self, index: int) -> bool:
        """Run worker ``index``, restarting it when it dies; whether it stopped cleanly."""
        quick_deaths = 0
        while True:
            worker = await self._start(index)
            exited = asyncio.create_task(worker.process.wait())
            stopping = asyncio.create_task(self._stopping.wait())
            await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not exited.done():
                return await self._stop(worker)
            worker.close()
            code = exited.result()
            if self._stopping.is_set():
                return code == 0
            pid, death = worker.process.pid, _death(code)
            if not self._announced and not worker.listening.is_set():
                raise HostError(f"worker {index} (pid {pid}) {death} before it listened")
            quick = time.monotonic() - worker.started < STABLE_SECONDS
            quick_deaths = quick_deaths + 1 if quick else 1
            if quick_deaths > MAX_QUICK_DEATHS:
                raise HostError(
                    f"worker {index} keeps dying ({quick_deaths} times in a row within "
                    f"{STABLE_SECONDS:.0f}s of starting; pid {pid} {death}); giving up"
                )
            delay = min(BACKOFF * 2 ** (quick_deaths - 1), MAX_BACKOFF)
            log.warning("worker %d (pid %d) %s; restarting it in %.1fs", index, pid, death, delay)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._stopping.wait()
                return True

    async def _start(self, index: int) -> _Worker:
        ours, theirs = socket.socketpair()
        with theirs:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "crm_host._server.workers",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
            )
        reader, writer = await asyncio.open_connection(sock=ours)
        writer.write(json.dumps({**self.spec, "index": index}).encode() + b"\n")
        worker = _Worker(index, process, writer)
        worker.watcher = asyncio.create_task(self._watch(worker, reader))
        self.workers[index] = worker
        log.info("worker %d started (pid %d)", index, process.pid)
        return worker

    async def _watch(self, worker: _Worker, reader: asyncio.StreamReader) -> None:
        if await reader.readline() == LISTENING:
            worker.listening.set()
            self._ever_listened[worker.index].set()

    async def _stop(self, worker: _Worker) -> bool:
        """SIGTERM (a worker drains on it), or SIGKILL when it takes too long."""
        pid = worker.process.pid
        with contextlib.suppress(ProcessLookupError):
            worker.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(self._stop_timeout):
                code = await worker.process.wait()
        except TimeoutError:
            log.error("worker %d (pid %d) did not stop in time; killing it", worker.index, pid)
            worker.process.kill()
            await worker.process.wait()
            return False
        finally:
            worker.close()
        # Killed by the SIGTERM itself: it had not started serving yet.
        if code in (0, -signal.SIGTERM):
            return True
        log.warning("worker %d (pid %d) %s while stopping", worker.index, pid, _death(code))
        return False


def supervise(
    host: Host, plugins: Sequence[str] | None, count: int, log_format: str, log_level: str
) -> int:
    """Run ``count`` workers serving ``host``'s plugins and settings on one port.

    ``host`` only prepares the schema, once, before any worker starts; it
    creates no gRPC object (its server is made in Host.start, never called
    here). The workers then merely check that the schema is up to date.
    """
    with reserve_port(host.settings.listen) as address:
        try:
            asyncio.run(host.prepare_schema())
        finally:
            host.engine.dispose()
        settings = host.settings.model_copy(
            update={"listen": address, "reuse_port": True, "migrate": False}
        )
        spec = {
            "settings": settings.model_dump(mode="json", exclude={"plugin_settings"})
            | {"plugin_settings": _plain(settings.plugin_settings)},
            "plugins": None if plugins is None else list(plugins),
            "log_format": log_format,
            "log_level": log_level,
        }
        port = int(address.rpartition(":")[2])
        return asyncio.run(Supervisor(spec, count, host.settings.listen, port).run())


def _plain(plugin_settings: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Plugin settings without their sources, to send to a worker as JSON."""
    return {
        plugin: {
            key: value.value if isinstance(value, Value) else value for key, value in values.items()
        }
        for plugin, values in plugin_settings.items()
    }


class _WorkerTag(logging.Filter):
    """Marks each line with the worker's index and pid: as fields in JSON, else in the text."""

    def __init__(self, index: int, log_format: str) -> None:
        super().__init__()
        self.index = index
        self.text = log_format != "json"
        # Records do not look their process up (crm_host._server.logs.configure).
        self.pid = os.getpid()

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "worker"):
            record.worker = self.index
            record.pid = self.pid
            if self.text:
                record.msg = f"[worker {self.index} pid {self.pid}] {record.msg}"
        return True


def _read_spec(control: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = control.recv(65536)
        if not chunk:
            raise SystemExit("crm-host: the supervisor went away before sending the settings")
        data += chunk
    spec: dict[str, Any] = json.loads(data)
    return spec


def worker_main(argv: Sequence[str]) -> int:
    """A worker: ``python -m crm_host._server.workers FD``; FD is its socket to the supervisor."""
    control = socket.socket(fileno=int(argv[0]))
    spec = _read_spec(control)
    handler = logs.configure(spec["log_format"], spec["log_level"])
    handler.addFilter(_WorkerTag(spec["index"], spec["log_format"]))
    try:
        plugins = PluginManager()
        plugins.load_entrypoints(spec["plugins"])
        run(Host(plugins, HostSettings.model_validate(spec["settings"])), control)
    except (PluginError, HostError, ConfigError) as exc:
        log.error("%s", exc, exc_info=spec["log_level"] == "DEBUG")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
