"""Wrong-password logins from many source addresses, counted by how they are answered.

Run as ``unshare -n python accounts_peer_sources.py DIRECTORY``: it configures
the private network namespace it finds itself in, so it refuses to run
anywhere else. It prints one JSON object on its last line of stdout;
test_accounts_peer_addresses.py asserts on it. A script, not a module of the
tests' package: it imports only installed packages.

Distinct sources without binding: gRPC Python cannot choose a client's source
address, so every address of a group is put on the namespace's loopback and
each client *connects to* one of them. Connecting to an address the machine
holds, the kernel picks that very address as the source (RFC 6724 rule 1,
"prefer same address"), so the host, listening on ``[::]``, sees each client
come from a different address of the /64: a real IPv6 (or IPv4) source, which
is checked with plain sockets before the host starts.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import grpc
import grpc.aio

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc
from crm_host.testing import HostProcess, rich_error

VICTIM = "victim@example.com"
LOGIN_MAX_FAILURES = 5
# More than LOGIN_MAX_FAILURES from every address: the surplus shows whether
# an address had a budget of its own.
ATTEMPTS_PER_ADDRESS = LOGIN_MAX_FAILURES + 3
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Group:
    """Addresses that should share one login budget: one /64, or one IPv4 address."""

    name: str
    addresses: tuple[str, ...]
    prefix_length: int


GROUPS = (
    # Seven addresses of one /64, as in issue 11.
    Group("2001:db8::/64", tuple(f"2001:db8::{n:x}" for n in range(0xA, 0x11)), 64),
    # Another /64 keeps its own budget.
    Group("2001:db8:0:1::/64", ("2001:db8:0:1::a",), 64),
    # IPv4 peers are counted per address: neighbours in a /24 do not share.
    # Each is a /32 of its own: a second address of one IPv4 subnet would be
    # "secondary", and connections to it would come from the primary one.
    Group("192.0.2.1", ("192.0.2.1",), 32),
    Group("192.0.2.2", ("192.0.2.2",), 32),
)


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def configure_namespace() -> None:
    # A fresh network namespace holds nothing but a loopback; anywhere else,
    # adding addresses would change the real machine's network.
    if socket.if_nameindex() != [(1, "lo")]:
        sys.exit("refusing to run outside a fresh network namespace (use unshare -n)")
    ip("link", "set", "lo", "up")
    for group in GROUPS:
        for address in group.addresses:
            # nodad: the address is usable at once, not "tentative" for a second.
            family = ["-6"] if ":" in address else ["-4"]
            ip(*family, "addr", "add", f"{address}/{group.prefix_length}", "dev", "lo", "nodad")


def observed_source(address: str) -> str:
    """The source address the kernel gives a connection to ``address``, seen by its server."""
    with socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True) as server:
        port = server.getsockname()[1]
        with socket.create_connection((address, port), timeout=10):
            accepted, peer = server.accept()
            accepted.close()
    source = str(peer[0])
    # The dual-stack listener sees IPv4 clients as IPv4-mapped IPv6 addresses.
    return source.removeprefix("::ffff:")


def target(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


async def attempts_from(address: str, port: int) -> tuple[int, int]:
    """(password checks, refusals) of wrong-password logins connecting to ``address``."""
    checked = refused = 0
    async with grpc.aio.insecure_channel(target(address, port)) as channel:
        stub = accounts_pb2_grpc.AccountsServiceStub(channel)
        for i in range(ATTEMPTS_PER_ADDRESS):
            wrong = accounts_pb2.AuthenticateRequest(email=VICTIM, password=f"wrong guess {i}")
            try:
                await stub.Authenticate(wrong, timeout=30)
            except grpc.aio.AioRpcError as error:
                answer = rich_error(error)
                if (answer.code, answer.reason) == (
                    grpc.StatusCode.UNAUTHENTICATED,
                    "INVALID_CREDENTIALS",
                ):
                    checked += 1
                    continue
                if (answer.code, answer.reason) == (
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    "TOO_MANY_LOGIN_ATTEMPTS",
                ):
                    refused += 1
                    continue
                raise
            raise AssertionError(f"a wrong password was accepted from {address}")
    return checked, refused


async def run_logins(port: int) -> dict[str, dict[str, object]]:
    async with grpc.aio.insecure_channel(f"[::1]:{port}") as channel:
        victim = accounts_pb2.CreateAccountRequest(name="Victim", email=VICTIM, password=PASSWORD)
        await accounts_pb2_grpc.AccountsServiceStub(channel).CreateAccount(victim, timeout=30)
    results: dict[str, dict[str, object]] = {}
    for group in GROUPS:
        per_address = {}
        # One address after another: a count that leaks between them shows up
        # as a plain sum, not as a race.
        for address in group.addresses:
            per_address[address] = await attempts_from(address, port)
        results[group.name] = {
            "checked": sum(checked for checked, _ in per_address.values()),
            "refused": sum(refused for _, refused in per_address.values()),
            "per_address": per_address,
        }
    return results


def main(directory: Path) -> None:
    configure_namespace()
    sources = {address: observed_source(address) for group in GROUPS for address in group.addresses}
    host = HostProcess(
        "serve",
        "--plugins",
        "accounts",
        "--listen",
        "[::]:0",
        "--database-url",
        f"sqlite:///{directory / 'crm.db'}",
        env={
            "CRM_ACCOUNTS__ARGON2_PROFILE": "insecure-test-only",
            "CRM_ACCOUNTS__LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
            # Long enough that no attempt is let through by the backoff.
            "CRM_ACCOUNTS__LOGIN_BACKOFF_SECONDS": "600",
        },
        cwd=directory,
    )
    try:
        port = host.wait_listening()
        results = asyncio.run(run_logins(port))
    except BaseException:
        sys.stderr.write(host.output)
        raise
    finally:
        host.kill()
    print(
        json.dumps(
            {
                "attempts_per_address": ATTEMPTS_PER_ADDRESS,
                "login_max_failures": LOGIN_MAX_FAILURES,
                "sources": sources,
                "groups": results,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
