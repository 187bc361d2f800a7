"""How fast readiness follows a PostgreSQL outage, and recovers from it.

Starts a host in this process on a throw-away schema of the given PostgreSQL,
owned by a throw-away role. The "outage": the role is set NOLOGIN and its
connections are terminated; the "recovery": LOGIN again. Prints the time from
each event to the health Watch stream reporting it:

    uv run python bench/readiness_latency.py postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

import sqlalchemy
from grpc_health.v1 import health_pb2, health_pb2_grpc

import crm_accounts.plugin
from crm_host.testing import start_test_host, stop_test_host

ROUNDS = 3


async def measure(admin_url: str) -> None:
    role = f"crm_bench_{uuid.uuid4().hex[:8]}"
    schema = f"crm_bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def sql(statement: str, **params: str) -> None:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(statement), params)

    sql(f'CREATE ROLE "{role}" LOGIN')
    sql(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{role}"')
    url = sqlalchemy.engine.make_url(admin_url).set(username=role)
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    host = await start_test_host(
        [(crm_accounts.plugin, "accounts")],
        url.render_as_string(hide_password=False),
        {"accounts": {"argon2_profile": "insecure-test-only"}},
    )
    try:
        stream = health_pb2_grpc.HealthStub(host.channel).Watch(
            health_pb2.HealthCheckRequest(service="")
        )
        assert (await stream.read()).status == health_pb2.HealthCheckResponse.SERVING
        for _ in range(ROUNDS):
            started = time.perf_counter()
            sql(f'ALTER ROLE "{role}" NOLOGIN')
            sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r", r=role)
            await stream.read()
            down = time.perf_counter() - started
            started = time.perf_counter()
            sql(f'ALTER ROLE "{role}" LOGIN')
            await stream.read()
            up = time.perf_counter() - started
            print(f"database down -> NOT_SERVING {down:.2f} s; back -> SERVING {up:.2f} s")
        stream.cancel()
    finally:
        await stop_test_host(host)
        sql(f'DROP SCHEMA "{schema}" CASCADE')
        sql(f'DROP OWNED BY "{role}"')
        sql(f'DROP ROLE "{role}"')
        admin.dispose()


if __name__ == "__main__":
    asyncio.run(measure(sys.argv[1]))
