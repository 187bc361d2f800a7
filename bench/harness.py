"""Throughput and latency of the host against baselines measured in the same run.

Starts, as subprocesses on 127.0.0.1, a bare grpc.aio server answering
GetAccount from memory (`echo`), the Node.js peer (`peer`, SQLite only) and
`crm-host serve --workers N` with the accounts plugin; drives each timed
scenario from this process with a multi-connection grpc.aio load generator
for a fixed time, and reports requests/s, p50 and p99 latency, and the CPU
seconds the server (all its processes) and this client used. `argon2` hashes
with the host's parameters on the host's number of hash threads, here.
Compare ratios, never absolute figures: the machine is shared.

    uv run python bench/harness.py [--seconds 5] [--workers 1,2] [--scenarios ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import argon2
import grpc.aio
from load import Call, Load, Result, Stub, drive
from peer import PeerUnavailable, node_peer
from report import Report, machine_facts
from scenarios import (
    PASSWORD,
    Admin,
    calls,
    create_burst,
    get_under_load,
    start_echo,
    start_host,
    startup,
    wait_host,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.settings import AccountsSettings
from crm_host._server import config

BASELINES = ("echo", "argon2", "peer")
TIMED = ("get", "list", "authenticate", "create")
SCENARIOS = (*BASELINES, *TIMED, "get-under-load", "create-burst", "startup")
# Scenarios that call with the admin's session (the echo server ignores it, but
# answers the same request).
NEED_SESSION = {"echo", "peer", "get", "list", "get-under-load"}
LIST_PAGE = 50
ADMIN = "admin@example.com"
STREAMS = config.BY_NAME["max_concurrent_streams"].default
CRM = [sys.executable, "-m", "crm_host"]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def crm(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> None:
    done = subprocess.run(
        [*CRM, *args], input=stdin, env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"crm-host {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def host_env(database_url: str, extra: list[str], plugins: str = "accounts") -> dict[str, str]:
    """The caller's environment without its CRM_* variables, plus the bench's and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {
        "CRM_PLUGINS": plugins,
        "CRM_DATABASE_URL": database_url,
        # Attempts are counted before the password check, so many parallel
        # logins of one account would hit the throttle: not what is measured.
        "CRM_ACCOUNTS__LOGIN_MAX_FAILURES": "1000000",
        "CRM_ACCOUNTS__LOGIN_PEER_MAX_FAILURES": "1000000",
    }
    for pair in extra:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


def accounts_settings(env: dict[str, str]) -> AccountsSettings:
    """The accounts settings the host builds from ``env`` (CRM_ACCOUNTS__<KEY>)."""
    prefix = "CRM_ACCOUNTS__"
    mapping = {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
    settings = config.plugin_settings(AccountsSettings, "accounts", mapping, env)
    assert isinstance(settings, AccountsSettings)
    return settings


def argon2_rate(settings: AccountsSettings, seconds: float) -> Result:
    """Hashes per second with the host's parameters on the host's number of hash threads."""
    hasher = argon2.PasswordHasher.from_parameters(settings.argon2_parameters)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    def hash_until_deadline() -> None:
        while time.perf_counter() < deadline:
            begun = time.perf_counter()
            hasher.hash(PASSWORD)
            latencies.append(time.perf_counter() - begun)

    client_before, started = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(settings.hash_workers) as pool:
        for future in [pool.submit(hash_until_deadline) for _ in range(settings.hash_workers)]:
            future.result()
    elapsed = time.perf_counter() - started
    return Result("argon2", None, elapsed, latencies, None, time.process_time() - client_before)


@asynccontextmanager
async def setup_stub(env: dict[str, str], workdir: Path) -> AsyncIterator[Stub]:
    """A stub on a host started for setting up, and stopped after."""
    host = wait_host(start_host(env, workdir, 1), 1)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            yield accounts_pb2_grpc.AccountsServiceStub(channel)
    finally:
        host.stop()


async def seed(env: dict[str, str], workdir: Path, accounts: int) -> None:
    """``accounts`` more accounts, so that list pages are full."""
    # They never log in, so the cheapest hashes do, and save seconds per run.
    cheap = env | {"CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only"}
    async with setup_stub(cheap, workdir) as stub:
        # One at a time: a burst would meet the host's bounded hashing queue.
        for _ in range(accounts):
            await stub.CreateAccount(
                accounts_pb2.CreateAccountRequest(
                    name="Bench", email=f"{uuid.uuid4().hex}@example.com", password=PASSWORD
                )
            )


async def log_in(env: dict[str, str], workdir: Path, email: str) -> Admin:
    """The admin's session."""
    # On a host hashing as the measured ones do: a host with other parameters
    # would rehash the password as it logs in, and later logins would race the
    # measured hosts' rehashing back (a login whose hash changed meanwhile fails).
    async with setup_stub(env, workdir) as stub:
        login = await stub.Authenticate(
            accounts_pb2.AuthenticateRequest(email=email, password=PASSWORD)
        )
    return Admin(email, login.account.id, login.session_token)


@dataclass
class Bench:
    """One invocation: its options, the hosts' environment and folder, and what it found."""

    args: argparse.Namespace
    env: dict[str, str]
    workdir: Path
    report: Report = field(default_factory=Report)

    @property
    def selected(self) -> set[str]:
        return set(self.args.scenarios)

    @property
    def load(self) -> Load:
        return Load(self.args.seconds, self.args.connections, self.args.concurrency)

    async def run(self) -> Report:
        progress("migrating and creating the admin")
        crm(["migrate"], self.env, self.workdir)
        admin = ["accounts", "create-admin", "--email", ADMIN]
        crm(admin, self.env, self.workdir, stdin=f"{PASSWORD}\n")
        if "list" in self.selected:
            progress("seeding accounts for full list pages")
            await seed(self.env, self.workdir, LIST_PAGE + 10)
        session = Admin(ADMIN, "", "")
        if self.selected & NEED_SESSION:
            progress("logging in")
            session = await log_in(self.env, self.workdir, ADMIN)
        host_calls = calls(session)
        await self.baselines(host_calls["get"])
        for workers in self.args.workers:
            await self.host(workers, host_calls)
            if "create-burst" in self.selected:
                await self.burst(workers)
            if "startup" in self.selected:
                await self.startup(workers)
        return self.report

    async def baselines(self, get: Call) -> None:
        if "echo" in self.selected:
            progress("echo")
            echo = start_echo(self.env, self.workdir)
            try:
                result = await drive("echo", None, get, echo.port, echo.pid, self.load)
                self.report.results.append(result)
            finally:
                echo.stop()
        if "argon2" in self.selected:
            settings = accounts_settings(self.env)
            progress(f"argon2 on {settings.hash_workers} thread(s)")
            rate = await asyncio.to_thread(argon2_rate, settings, self.args.seconds)
            self.report.results.append(rate)
        if "peer" in self.selected:
            await self.peer(get)

    async def peer(self, get: Call) -> None:
        url = make_url(self.env["CRM_DATABASE_URL"])
        if url.get_backend_name() != "sqlite" or not url.database:
            self.report.notes.append("peer skipped: the Node peer reads SQLite only")
            return
        progress("peer (npm ci first if needed)")
        try:
            with node_peer(Path(url.database)) as peer:
                result = await drive("peer", None, get, peer.port, peer.pid, self.load)
                self.report.results.append(result)
        except PeerUnavailable as error:
            self.report.notes.append(f"peer skipped: {error}")

    async def host(self, workers: int, host_calls: dict[str, Call]) -> None:
        """The timed scenarios on one host with ``workers`` processes."""
        timed = [name for name in TIMED if name in self.selected]
        if not timed and "get-under-load" not in self.selected:
            return
        progress(f"starting the host with {workers} worker(s)")
        host = wait_host(start_host(self.env, self.workdir, workers), workers)
        try:
            for name in timed:
                progress(f"{name} (workers={workers})")
                call = host_calls[name]
                result = await drive(name, workers, call, host.port, host.pid, self.load)
                self.report.results.append(result)
            if "get-under-load" in self.selected:
                hashing = workers * accounts_settings(self.env).hash_workers
                creators = self.args.load_creators or 2 * hashing
                progress(f"get-under-load (workers={workers}, {creators} creating)")
                result, codes = await get_under_load(
                    host_calls["get"], host, workers, self.load, creators
                )
                self.report.results.append(result)
                self.report.creates_under_load[workers] = codes
        finally:
            host.stop()

    async def burst(self, workers: int) -> None:
        count = self.args.burst
        progress(f"create-burst of {count} (workers={workers}, fresh host)")
        host = wait_host(start_host(self.env, self.workdir, workers), workers)
        try:
            # Enough connections that every call reaches the host at once, rather
            # than waiting in this client for a stream.
            streams = int(self.env.get("CRM_MAX_CONCURRENT_STREAMS", STREAMS))
            connection_count = max(self.args.connections, -(-count // streams))
            deadline = self.args.burst_timeout
            burst = await create_burst(host, workers, count, connection_count, deadline)
            self.report.bursts.append(burst)
        finally:
            host.stop()

    async def startup(self, workers: int) -> None:
        # A migrated file of its own: the first start after a migration is not measured.
        database = self.workdir / "startup.db"
        env = self.env | {"CRM_DATABASE_URL": f"sqlite:///{database}"}
        if not database.exists():
            crm(["migrate"], env, self.workdir)
        progress(f"startup x{self.args.startup_runs} (workers={workers})")
        runs = await startup(env, self.workdir, workers, self.args.startup_runs)
        self.report.startups.append(runs)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per timed scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--scenarios",
        type=lambda text: text.split(","),
        default=list(SCENARIOS),
        help=f"comma-separated, from {','.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1],
        help="comma-separated worker counts to run the host scenarios with (default: 1)",
    )
    parser.add_argument(
        "--host-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable for the host (repeatable), e.g. CRM_ACCOUNTS__HASH_QUEUE=64",
    )
    parser.add_argument("--burst", type=int, default=1000, help="CreateAccount calls at once")
    parser.add_argument(
        "--burst-timeout", type=float, default=300.0, help="deadline of each burst call, seconds"
    )
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument(
        "--load-creators",
        type=int,
        help="CreateAccount tasks during get-under-load (default: 2 per host hash thread)",
    )
    args = parser.parse_args()
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if bad := [pair for pair in args.host_env if "=" not in pair]:
        parser.error(f"--host-env needs KEY=VALUE, got: {', '.join(bad)}")
    if any(n < 1 for n in args.workers):
        parser.error("--workers: counts must be 1 or more")
    return args


@contextmanager
def database(given: str | None, workdir: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a new schema in ``given``, dropped after."""
    if given is None:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    url = make_url(given)
    if url.get_backend_name() != "postgresql":
        yield given
        return
    # A schema of its own: the shared database may hold anything in public.
    schema = f"crm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
            yield scoped.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


class Rendered(Protocol):
    def render(self, facts: str) -> str: ...


def run(
    args: argparse.Namespace,
    plugins: str,
    bench: Callable[[dict[str, str], Path], Coroutine[Any, Any, Rendered]],
) -> int:
    """Run ``bench(env, workdir)`` for ``plugins`` on the database ``args`` name; print it."""
    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    try:
        with database(args.database_url, workdir) as database_url:
            env = host_env(database_url, args.host_env, plugins)
            report = asyncio.run(bench(env, workdir))
        kind = make_url(database_url).get_backend_name()
        print(report.render(machine_facts(kind, accounts_settings(env))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main() -> int:
    args = parse_args()
    return run(args, "accounts", lambda env, workdir: Bench(args, env, workdir).run())


if __name__ == "__main__":
    sys.exit(main())
