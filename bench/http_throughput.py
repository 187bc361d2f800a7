"""GetAccount over the HTTP listener (Connect JSON, gRPC-Web) against native gRPC, with h2load.

Starts one `crm-host serve` with the accounts plugin and the HTTP listener
on a fresh SQLite file, signs in as an admin, checks one call of each kind,
then has h2load (Debian's nghttp2-client) call the admin's GetAccount for
``--seconds`` in each protocol, alternating, ``--runs`` times. Same number of
calls in flight for each: gRPC over 8 HTTP/2 connections of 4 streams,
HTTP/1.1 over 32 connections. Prints requests/s and the ratios to gRPC;
compare ratios only, the machine is shared:

    uv run python bench/http_throughput.py [--seconds 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from crm_accounts._proto.accounts.v1 import accounts_pb2
from crm_host.testing import HostProcess

PATH = "/accounts.v1.AccountsService/GetAccount"
SERVING_HTTP = re.compile(r"serving Connect and gRPC-Web on \S+ \(port (\d+)\)")
PASSWORD = "quiet harbor lantern 2026"
CREATE_ADMIN = [sys.executable, "-m", "crm_host", "accounts", "create-admin"]
RATE = re.compile(r"finished in [\d.]+m?s, ([\d.]+) req/s")
OK = re.compile(r"status codes: (\d+) 2xx")


def envelope(payload: bytes) -> bytes:
    return struct.pack(">BI", 0, len(payload)) + payload


def h2load(url: str, body: Path, headers: list[str], seconds: int, http1: bool) -> float:
    """Requests/s h2load measured; fails unless every response was a 2xx."""
    shape = ["--h1", "-c", "32", "-m", "1"] if http1 else ["-c", "8", "-m", "4"]
    command = ["h2load", *shape, "-D", str(seconds), "--warm-up-time", "1", "-d", str(body)]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    rate, ok = RATE.search(done.stdout), OK.search(done.stdout)
    if rate is None or ok is None or ok.group(1) == "0":
        raise RuntimeError(f"h2load failed:\n{done.stdout}")
    return float(rate.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    if shutil.which("h2load") is None:
        sys.exit("h2load is missing: apt-get install nghttp2-client")
    with tempfile.TemporaryDirectory() as directory:
        cwd = Path(directory)
        host = HostProcess(
            "serve",
            "--plugins",
            "accounts",
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            cwd=cwd,
        )
        try:
            port = host.wait_listening()
            http_port = int(SERVING_HTTP.search(host.output).group(1))  # type: ignore[union-attr]
            subprocess.run(
                [*CREATE_ADMIN, "--email", "admin@example.com"],
                input=PASSWORD + "\n",
                text=True,
                cwd=cwd,
                check=True,
                capture_output=True,
            )
            base = f"http://127.0.0.1:{http_port}"
            signed_in = httpx.post(
                base + "/accounts.v1.AccountsService/Authenticate",
                json={"email": "admin@example.com", "password": PASSWORD},
                timeout=30,
            ).json()
            token, account = signed_in["sessionToken"], signed_in["account"]["id"]
            auth = f"authorization: Bearer {token}"
            request = accounts_pb2.GetAccountRequest(id=account).SerializeToString()
            bodies = {
                "grpc": envelope(request),
                "connect-json": json.dumps({"id": account}).encode(),
                "grpc-web": envelope(request),
            }
            checked = httpx.post(
                base + PATH,
                content=bodies["connect-json"],
                headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
            )
            assert checked.json()["id"] == account, checked.text
            kinds = {
                "grpc": (
                    f"http://127.0.0.1:{port}{PATH}",
                    ["content-type: application/grpc", "te: trailers"],
                    False,
                ),
                "connect-json": (base + PATH, ["content-type: application/json"], True),
                "grpc-web": (base + PATH, ["content-type: application/grpc-web+proto"], True),
            }
            rates: dict[str, list[float]] = {kind: [] for kind in kinds}
            for _ in range(options.runs):
                for kind, (url, headers, http1) in kinds.items():
                    body = cwd / f"{kind}.body"
                    body.write_bytes(bodies[kind])
                    rates[kind].append(h2load(url, body, [*headers, auth], options.seconds, http1))
        finally:
            host.terminate()
    grpc_rate = statistics.median(rates["grpc"])
    print("| protocol | req/s (median) | runs | / gRPC |")
    print("|---|---|---|---|")
    for kind, found in rates.items():
        median = statistics.median(found)
        runs = ", ".join(f"{rate:,.0f}" for rate in found)
        print(f"| {kind} | {median:,.0f} | {runs} | {median / grpc_rate:.2f} |")


if __name__ == "__main__":
    main()
