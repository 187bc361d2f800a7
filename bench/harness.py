"""Throughput and latency of the host against baselines measured in the same run.

Starts, as subprocesses on loopback, a bare grpc.aio server answering
GetAccount from memory (the baseline) and `crm-host serve` with the accounts
plugin; then drives each scenario from this process with a multi-connection
grpc.aio load generator for a fixed time, and reports requests/s, p50 and p99
latency, and the CPU seconds the server and this client used. Also measures
argon2 hashes/s with the host's parameters on the same number of threads.
Compare ratios, never absolute figures: the machine is shared.

    uv run python bench/harness.py [--seconds 5] [--database-url URL] [--scenarios ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import argon2
import grpc.aio

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_accounts.settings import AccountsSettings

PASSWORD = "quiet harbor lantern 2026"
HERE = Path(__file__).parent
SCENARIOS = ("echo", "get", "list", "create", "authenticate", "argon2")


@dataclass
class Result:
    scenario: str
    calls: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def row(self) -> str:
        p50 = statistics.median(self.latencies) * 1000 if self.latencies else 0.0
        p99 = (
            statistics.quantiles(self.latencies, n=100)[98] * 1000
            if len(self.latencies) >= 100
            else max(self.latencies, default=0.0) * 1000
        )
        return (
            f"| {self.scenario} | {self.rate:,.0f} | {p50:.2f} | {p99:.2f} | "
            f"{self.server_cpu:.2f} | {self.client_cpu:.2f} |"
        )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A subprocess that prints `(port N)` once it listens."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.log = cwd / f"server-{uuid.uuid4().hex[:6]}.log"
        self.process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=self.log.open("w")
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"\(port (\d+)\)", self.log.read_text())
            if found:
                self.port = int(found.group(1))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def drive(
    name: str,
    make_call: Callable[[accounts_pb2_grpc.AccountsServiceStub, int], Awaitable[object]],
    port: int,
    pid: int,
    seconds: float,
    connections: int,
    concurrency: int,
) -> Result:
    """Run ``make_call`` from ``concurrency`` tasks over ``connections`` channels."""
    channels = [
        # A distinct option per channel, so grpc opens separate connections.
        grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("crm.bench.channel", n)])
        for n in range(connections)
    ]
    stubs = [accounts_pb2_grpc.AccountsServiceStub(channel) for channel in channels]
    latencies: list[float] = []
    calls = 0
    server_before, client_before = cpu_seconds(pid), time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def worker(n: int) -> None:
        nonlocal calls
        stub = stubs[n % len(stubs)]
        i = 0
        while time.perf_counter() < deadline:
            begun = time.perf_counter()
            await make_call(stub, n * 1_000_000 + i)
            latencies.append(time.perf_counter() - begun)
            calls += 1
            i += 1

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    result = Result(
        name,
        calls,
        elapsed,
        latencies,
        cpu_seconds(pid) - server_before,
        time.process_time() - client_before,
    )
    for channel in channels:
        await channel.close()
    return result


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
    return Result(
        "argon2", len(latencies), elapsed, latencies, 0.0, time.process_time() - client_before
    )


def prepare(args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    """A migrated database with an admin, and the environment the servers run with."""
    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {
        "CRM_PLUGINS": "accounts",
        "CRM_DATABASE_URL": database_url,
        # Attempts are counted before the password check, so many parallel
        # logins of one account would hit the throttle: not what is measured.
        "CRM_ACCOUNTS__LOGIN_MAX_FAILURES": "1000000",
        "CRM_ACCOUNTS__LOGIN_PEER_MAX_FAILURES": "1000000",
    }
    host_args = [sys.executable, "-m", "crm_host"]
    subprocess.run([*host_args, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    subprocess.run(
        [*host_args, "accounts", "create-admin", "--email", "admin@example.com"],
        input=f"{PASSWORD}\n",
        env=env,
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    return workdir, env


async def run(args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> list[Result]:
    host_args = [sys.executable, "-m", "crm_host"]
    echo = Server([sys.executable, str(HERE / "echo_server.py")], env, workdir)
    host = Server(
        [*host_args, "serve", "--listen", "127.0.0.1:0", "--log-format", "json"], env, workdir
    )
    results: list[Result] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            stub = accounts_pb2_grpc.AccountsServiceStub(channel)
            login = await stub.Authenticate(
                accounts_pb2.AuthenticateRequest(email="admin@example.com", password=PASSWORD)
            )
        token = (("authorization", f"Bearer {login.session_token}"),)
        admin_id = login.account.id
        for _ in range(60 if "list" in args.scenarios else 0):  # so that list pages are full
            async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
                await accounts_pb2_grpc.AccountsServiceStub(channel).CreateAccount(
                    accounts_pb2.CreateAccountRequest(
                        name="Bench", email=f"{uuid.uuid4().hex}@example.com", password=PASSWORD
                    )
                )

        async def get(stub: accounts_pb2_grpc.AccountsServiceStub, _: int) -> object:
            return await stub.GetAccount(
                accounts_pb2.GetAccountRequest(id=admin_id), metadata=token
            )

        async def page(stub: accounts_pb2_grpc.AccountsServiceStub, _: int) -> object:
            request = accounts_pb2.ListAccountsRequest(page_size=50)
            return await stub.ListAccounts(request, metadata=token)

        async def create(stub: accounts_pb2_grpc.AccountsServiceStub, n: int) -> object:
            request = accounts_pb2.CreateAccountRequest(
                name="Bench", email=f"b{n}-{uuid.uuid4().hex[:6]}@example.com", password=PASSWORD
            )
            return await stub.CreateAccount(request)

        async def authenticate(stub: accounts_pb2_grpc.AccountsServiceStub, _: int) -> object:
            request = accounts_pb2.AuthenticateRequest(email="admin@example.com", password=PASSWORD)
            return await stub.Authenticate(request)

        plans = {
            "echo": (get, echo),
            "get": (get, host),
            "list": (page, host),
            "create": (create, host),
            "authenticate": (authenticate, host),
        }
        for name in args.scenarios:
            if name == "argon2":
                settings = AccountsSettings.from_mapping({}, environ=env)
                results.append(await asyncio.to_thread(argon2_rate, settings, args.seconds))
                continue
            call, server = plans[name]
            results.append(
                await drive(
                    name,
                    call,
                    server.port,
                    server.process.pid,
                    args.seconds,
                    args.connections,
                    args.concurrency,
                )
            )
    finally:
        host.stop()
        echo.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--scenarios",
        type=lambda text: text.split(","),
        default=list(SCENARIOS),
        help=f"comma-separated, from {','.join(SCENARIOS)}",
    )
    args = parser.parse_args()
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    workdir, env = prepare(args)
    results = asyncio.run(run(args, workdir, env))
    print("| scenario | requests/s | p50 ms | p99 ms | server CPU s | client CPU s |")
    print("|---|---|---|---|---|---|")
    for result in results:
        print(result.row())
    rates = {result.scenario: result.rate for result in results}
    if "get" in rates and "echo" in rates:
        print(f"\nGetAccount / bare echo: {rates['get'] / rates['echo']:.2f}x")
    if "create" in rates and "argon2" in rates:
        print(f"CreateAccount / argon2 hashes: {rates['create'] / rates['argon2']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
