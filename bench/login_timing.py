"""Unknown-email and wrong-password logins must take the same time.

Otherwise Authenticate tells an attacker which email addresses have accounts.
Runs a real host in this process with production argon2 parameters
(owasp-minimum by default), makes TRIES logins of each kind, interleaved, and
compares the medians. Exits 1 when they differ by more than MARGIN:

    uv run python bench/login_timing.py [--tries 30] [--profile owasp-minimum]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time

import grpc.aio

import crm_accounts.plugin
from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_host._server.config import HostSettings
from crm_host._server.lifecycle import Host
from crm_host._server.plugins import PluginManager

MARGIN = 0.20
PASSWORD = "quiet harbor lantern 2026"


async def measure(tries: int, profile: str) -> tuple[list[float], list[float]]:
    plugins = PluginManager()
    plugins.register(crm_accounts.plugin, "accounts")
    settings = {
        "argon2_profile": profile,
        # Throttling would refuse most of these logins: it is not under test.
        "login_max_failures": "100000",
        "login_peer_max_failures": "100000",
    }
    host = Host(
        plugins,
        HostSettings(
            listen="127.0.0.1:0",
            database_url=f"sqlite:///{tempfile.mkdtemp()}/timing.db",
            plugin_settings={"accounts": settings},
        ),
    )
    await host.start()
    await host.wait_ready()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
            stub = accounts_pb2_grpc.AccountsServiceStub(channel)
            await stub.CreateAccount(
                accounts_pb2.CreateAccountRequest(
                    name="Timing", email="timing@example.com", password=PASSWORD
                )
            )

            async def login(email: str) -> float:
                started = time.perf_counter()
                try:
                    await stub.Authenticate(
                        accounts_pb2.AuthenticateRequest(email=email, password="wrong guess 1")
                    )
                except grpc.aio.AioRpcError as error:
                    if error.code() != grpc.StatusCode.UNAUTHENTICATED:
                        raise
                return time.perf_counter() - started

            await login("warm-up@example.com")
            unknown, wrong = [], []
            for i in range(tries):
                unknown.append(await login(f"nobody{i}@example.com"))
                wrong.append(await login("timing@example.com"))
            return unknown, wrong
    finally:
        await host.stop(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--profile", default="owasp-minimum")
    args = parser.parse_args()
    unknown, wrong = asyncio.run(measure(args.tries, args.profile))
    a, b = statistics.median(unknown), statistics.median(wrong)
    ratio = a / b
    print(f"argon2 profile {args.profile}, {args.tries} tries each")
    print(f"median unknown email:  {a * 1000:7.1f} ms")
    print(f"median wrong password: {b * 1000:7.1f} ms")
    print(f"ratio: {ratio:.3f} (allowed {1 - MARGIN:.2f} to {1 + MARGIN:.2f})")
    return 0 if 1 - MARGIN <= ratio <= 1 + MARGIN else 1


if __name__ == "__main__":
    sys.exit(main())
