"""The contacts plugin over 100,000 people: GetPerson, ListPeople page walks, SearchPeople.

In one invocation: migrates a fresh database (a SQLite file, or a schema of its
own in --database-url) for the plugins accounts and contacts, creates and logs
in the admin, seeds companies, people and affiliations through the plugin's own
declarations (bench/contacts_seed.py), prints the query plans of a filtered
ListPeople page and of SearchPeople, then starts `crm-host serve` and the bare
echo (bench/echo_server.py) and drives, with the harness's load generator:

- echo: the bare echo's GetAccount; get-account: the host's GetAccount of the admin;
- get-person: GetPerson of one of 1,000 random seeded people;
- list-page: ListPeople, pages of 50, filter `family_name = "X"` for a random
  family name X, each walk following next_page_token to its end (one call a page);
- search: SearchPeople (first page of 50) for 3 to 10 characters of a random
  person's given name, family name or address, or a company's name;

at --latency-concurrency calls in flight (latency) and at --concurrency
(throughput), --rounds times, and summarizes the rounds (median, min and max).

    uv run python bench/contacts.py [--database-url URL] [--people 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import contacts_seed
from harness import ADMIN, crm, log_in, progress, run
from load import Call, Load, Result, Stub, StubType, drive
from processes import Server
from scenarios import PASSWORD, Admin, calls, start_echo, start_host, wait_host
from sqlalchemy import text

from crm_accounts._proto.accounts.v1 import accounts_pb2_grpc
from crm_contacts._proto.contacts.v1 import contacts_pb2, contacts_pb2_grpc

SCENARIOS = ("echo", "get-account", "get-person", "list-page", "search")
PAGE_SIZE = 50
GET_IDS = 1000
HEADER = (
    "| scenario | in flight | requests/s | p50 ms | p99 ms | server CPU s | client CPU s "
    "| not OK |\n|---|---|---|---|---|---|---|---|"
)


@dataclass
class Walks:
    """ListPeople walks in progress, one per load task; pages and walks done."""

    rng: random.Random
    families: list[str]
    # Per task: the filter being walked and the next page's token.
    open: dict[int, tuple[str, str]] = field(default_factory=dict)
    pages: int = 0
    walks: int = 0
    longest: int = 0
    _length: dict[int, int] = field(default_factory=dict)

    def call(self, admin: Admin) -> Call:
        async def page(stub: Stub, n: int) -> object:
            task = n // 1_000_000
            query, token = self.open.get(task) or (self._filter(), "")
            request = contacts_pb2.ListPeopleRequest(
                page_size=PAGE_SIZE, filter=query, page_token=token
            )
            response = await stub.ListPeople(request, metadata=admin.metadata)
            self.pages += 1
            self._length[task] = self._length.get(task, 0) + 1
            if response.next_page_token:
                self.open[task] = (query, response.next_page_token)
            else:
                self.open.pop(task, None)
                self.walks += 1
                self.longest = max(self.longest, self._length.pop(task))
            return response

        return page

    def _filter(self) -> str:
        return f'family_name = "{self.rng.choice(self.families)}"'


@dataclass
class Round:
    results: dict[tuple[str, int], Result] = field(default_factory=dict)
    walks: dict[int, Walks] = field(default_factory=dict)

    def rate(self, scenario: str, in_flight: int) -> float:
        return self.results[scenario, in_flight].rate

    def ratios(self, in_flight: int) -> dict[str, float]:
        echo = self.rate("echo", in_flight)
        account, person = self.rate("get-account", in_flight), self.rate("get-person", in_flight)
        return {
            "get-account / echo": account / echo,
            "get-person / echo": person / echo,
            "(get-person / echo) / (get-account / echo)": person / account,
        }


def _spread(values: list[float], form: str) -> str:
    if len(values) == 1:
        return form.format(values[0])
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{form.format(mid)} ({form.format(low)} to {form.format(high)})"


@dataclass
class ContactsReport:
    levels: list[int]
    rounds: list[Round] = field(default_factory=list)
    seeded: str = ""
    plans: list[contacts_seed.Plan] = field(default_factory=list)
    load_average: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        lines = [
            f"Over {len(self.rounds)} round(s): median (min to max)",
            "",
            "| scenario | in flight | requests/s | p50 ms | p99 ms |",
            "|---|---|---|---|---|",
        ]
        for level in self.levels:
            for scenario in SCENARIOS:
                results = [r.results[scenario, level] for r in self.rounds]
                lines.append(
                    f"| {scenario} | {level} | {_spread([x.rate for x in results], '{:,.0f}')} | "
                    f"{_spread([x.p50_ms for x in results], '{:.2f}')} | "
                    f"{_spread([x.p99_ms for x in results], '{:.2f}')} |"
                )
        lines.append("")
        for level in self.levels:
            for name in self.rounds[0].ratios(level):
                values = [r.ratios(level)[name] for r in self.rounds]
                lines.append(f"- {name}, {level} in flight: {_spread(values, '{:.2f}x')}")
        return lines

    def render(self, facts: str) -> str:
        parts = [self.seeded, ""]
        for number, one in enumerate(self.rounds, 1):
            parts += [f"Round {number}", "", HEADER]
            parts += [result.row(str(level)) for (_, level), result in one.results.items()]
            for level, walks in one.walks.items():
                parts.append(
                    f"- list walks at {level} in flight: {walks.pages:,} pages, "
                    f"{walks.walks:,} walks ended, longest {walks.longest} pages"
                )
            for level in self.levels:
                ratios = ", ".join(f"{k} {v:.2f}x" for k, v in one.ratios(level).items())
                parts.append(f"- {level} in flight: {ratios}")
            parts.append("")
        parts += [*self.summary(), "", "Query plans:", ""]
        parts += [plan.render() + "\n" for plan in self.plans]
        parts += [f"Load average (1, 5, 15 min) {when}" for when in self.load_average]
        return "\n".join([*parts, "", facts])


def load_average(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"{when}: {one:.2f}, {five:.2f}, {fifteen:.2f}"


class ContactsBench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
        self.args = args
        self.env = env
        self.workdir = workdir
        self.rng = random.Random(args.seed)
        self.report = ContactsReport([args.latency_concurrency, args.concurrency])

    async def run(self) -> ContactsReport:
        self.report.load_average.append(load_average("at the start"))
        progress("migrating and creating the admin")
        crm(["migrate"], self.env, self.workdir)
        admin = ["accounts", "create-admin", "--email", ADMIN]
        crm(admin, self.env, self.workdir, stdin=f"{PASSWORD}\n")
        session = await log_in(self.env, self.workdir, ADMIN)
        pop = await self.seed(session.id)
        echo = start_echo(self.env, self.workdir)
        try:
            host = wait_host(start_host(self.env, self.workdir, 1), 1)
            try:
                for number in range(1, self.args.rounds + 1):
                    self.report.rounds.append(await self.round(number, echo, host, session, pop))
            finally:
                host.stop()
        finally:
            echo.stop()
        self.report.load_average.append(load_average("at the end"))
        return self.report

    async def seed(self, owner_id: str) -> contacts_seed.Population:
        args = self.args
        pop = contacts_seed.population(args.people, args.companies, args.family_names, args.seed)
        url = self.env["CRM_DATABASE_URL"]
        progress(f"seeding {args.people:,} people, {args.companies:,} companies")
        began = time.perf_counter()
        async with contacts_seed.in_process_kit(url) as host:
            await asyncio.to_thread(
                contacts_seed.store,
                host.engine,
                pop,
                owner_id,
                args.seed,
                args.seed_processes,
                progress,
            )
            seconds = time.perf_counter() - began
            if host.engine.dialect.name == "postgresql":
                # What autovacuum's analyze would soon do; the planner needs the statistics.
                with host.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            progress("query plans")
            counts = Counter(person.family for person in pop.people)
            # A family name of median size: a typical walk of several pages.
            typical = sorted(counts, key=counts.__getitem__)[len(counts) // 2]
            # A random query as the search scenario draws them, and broad ones: a part
            # of every address, a company kind, two letters (read without an index).
            queries = [pop.search_query(random.Random(args.seed)), "exa", "Logistics", "an"]
            self.report.plans = await contacts_seed.plans(host, typical, queries)
        per_family = sorted(counts.values())
        self.report.seeded = (
            f"Seeded {len(pop.people):,} people ({len(pop.family_names):,} family names, "
            f"{per_family[0]:,} to {per_family[-1]:,} people each, median "
            f"{statistics.median(per_family):,.0f}), {len(pop.companies):,} companies, "
            f"{pop.affiliations:,} affiliations in {seconds:.1f} s"
        )
        progress(self.report.seeded)
        return pop

    async def round(
        self,
        number: int,
        echo: Server,
        host: Server,
        admin: Admin,
        pop: contacts_seed.Population,
    ) -> Round:
        one = Round()
        ids = self.rng.sample(pop.person_ids, min(GET_IDS, len(pop.person_ids)))
        args = self.args

        async def get_person(stub: Stub, _: int) -> object:
            request = contacts_pb2.GetPersonRequest(id=self.rng.choice(ids))
            return await stub.GetPerson(request, metadata=admin.metadata)

        async def search(stub: Stub, _: int) -> object:
            request = contacts_pb2.SearchPeopleRequest(
                query=pop.search_query(self.rng), page_size=PAGE_SIZE
            )
            return await stub.SearchPeople(request, metadata=admin.metadata)

        accounts = accounts_pb2_grpc.AccountsServiceStub
        contacts = contacts_pb2_grpc.ContactsServiceStub
        for level in self.report.levels:
            load = Load(args.seconds, min(args.connections, level), level)
            walks = one.walks[level] = Walks(self.rng, pop.family_names)
            plan: list[tuple[str, Server, Call, StubType]] = [
                ("echo", echo, calls(admin)["get"], accounts),
                ("get-account", host, calls(admin)["get"], accounts),
                ("get-person", host, get_person, contacts),
                ("list-page", host, walks.call(admin), contacts),
                ("search", host, search, contacts),
            ]
            for scenario, server, call, stub_type in plan:
                progress(f"round {number}: {scenario}, {level} in flight")
                one.results[scenario, level] = await drive(
                    scenario, None, call, server.port, server.pid, load, stub_type
                )
        return one


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--family-names", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario and level")
    parser.add_argument("--connections", type=int, default=8, help="at most, per scenario")
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight (throughput)")
    parser.add_argument(
        "--latency-concurrency", type=int, default=4, help="calls in flight (latency)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="measurements of every scenario")
    parser.add_argument("--seed", type=int, default=12, help="of the random population and calls")
    parser.add_argument(
        "--seed-processes", type=int, default=os.cpu_count() or 1, help="making seeded rows"
    )
    parser.add_argument(
        "--host-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable for the host (repeatable)",
    )
    args = parser.parse_args()
    if args.people < 1 or args.family_names < 1 or args.family_names > args.people:
        parser.error("--people and --family-names: 1 <= family names <= people")
    if (
        min(
            args.rounds,
            args.concurrency,
            args.latency_concurrency,
            args.connections,
            args.seed_processes,
        )
        < 1
    ):
        parser.error(
            "--rounds, --concurrency, --latency-concurrency, --connections and "
            "--seed-processes: 1 or more"
        )
    return args


def main() -> int:
    args = parse_args()
    plugins = ",".join(contacts_seed.PLUGINS)
    return run(args, plugins, lambda env, workdir: ContactsBench(args, env, workdir).run())


if __name__ == "__main__":
    sys.exit(main())
