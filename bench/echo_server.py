"""The baseline for bench/harness.py: a bare grpc.aio server answering GetAccount from memory.

Same messages as the host's GetAccount, no interceptors, no database, no
authentication: what grpc.aio costs by itself on this machine.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import grpc.aio

from crm_accounts._proto.accounts.v1 import accounts_pb2, accounts_pb2_grpc

ACCOUNT = accounts_pb2.Account(
    id="00000000-0000-4000-8000-000000000000",
    name="Bench",
    email="bench@example.com",
    state=accounts_pb2.Account.State.ACTIVE,
    etag='"1"',
)


class Echo(accounts_pb2_grpc.AccountsServiceServicer):  # type: ignore[misc]
    async def GetAccount(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return ACCOUNT


async def main() -> None:
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    accounts_pb2_grpc.add_AccountsServiceServicer_to_server(Echo(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"bare echo listening (port {port})", file=sys.stderr, flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
