"""The harness's output: one table of timed scenarios, ratios, burst and startup lines, facts."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata

from load import Result
from scenarios import Burst, Startup

from crm_accounts.settings import AccountsSettings

HEADER = (
    "| scenario | workers | requests/s | p50 ms | p99 ms | server CPU s | client CPU s | not OK |\n"
    "|---|---|---|---|---|---|---|---|"
)


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    # Per worker count: the codes of the creates that ran during get-under-load.
    creates_under_load: dict[int, Counter[str]] = field(default_factory=dict)
    bursts: list[Burst] = field(default_factory=list)
    startups: list[Startup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rate(self, scenario: str, workers: int | None = None) -> float | None:
        for result in self.results:
            if result.scenario == scenario and result.workers == workers:
                return result.rate
        return None

    def ratios(self) -> list[str]:
        lines: list[str] = []

        def ratio(label: str, numerator: float | None, denominator: float | None) -> None:
            if numerator is not None and denominator:
                lines.append(f"- {label}: {numerator / denominator:.2f}x")

        counts = sorted({r.workers for r in self.results if r.workers is not None})
        for n in counts:
            get = self.rate("get", n)
            ratio(f"get / echo (workers={n})", get, self.rate("echo"))
            ratio(f"create / argon2 (workers={n})", self.rate("create", n), self.rate("argon2"))
            ratio(f"get-under-load / get (workers={n})", self.rate("get-under-load", n), get)
            if n in self.creates_under_load:
                codes = self.creates_under_load[n]
                done = ", ".join(f"{code} {k}" for code, k in sorted(codes.items())) or "none"
                lines.append(f"- creates ended during get-under-load (workers={n}): {done}")
        for n in counts[1:]:
            ratio(
                f"get scaling workers={n} / workers={counts[0]}",
                self.rate("get", n),
                self.rate("get", counts[0]),
            )
        if counts:
            ratio(
                f"host get (workers={counts[-1]}) / peer",
                self.rate("get", counts[-1]),
                self.rate("peer"),
            )
        return lines

    def render(self, facts: str) -> str:
        parts = [HEADER, *(result.row() for result in self.results)]
        if ratios := self.ratios():
            parts += ["", "Ratios:", *ratios]
        extra = [burst.line() for burst in self.bursts] + [s.line() for s in self.startups]
        if extra:
            parts += ["", *extra]
        if self.notes:
            parts += ["", *(f"Note: {note}" for note in self.notes)]
        return "\n".join([*parts, "", facts])


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        return "not found"
    done = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() or "unknown"


def machine_facts(database: str, settings: AccountsSettings) -> str:
    argon2 = settings.argon2_parameters
    return (
        f"Machine: nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"grpcio {_version('grpcio')}, SQLAlchemy {_version('sqlalchemy')}, "
        f"uvloop {_version('uvloop')}, node {_node()}, database {database}; "
        f"argon2 {settings.argon2_profile} (t={argon2.time_cost}, "
        f"m={argon2.memory_cost} KiB, p={argon2.parallelism}), "
        f"{settings.hash_workers} hash thread(s) per host process"
    )
