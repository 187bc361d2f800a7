"""What the accounts plugin's calls leave in the host's log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import grpc.aio
import pytest

from crm_host.testing import HostProcess

from .accounts_client import Accounts, query


async def test_no_password_hash_or_token_reaches_the_logs(
    crm_database_url: str, serve_accounts: Callable[..., HostProcess]
) -> None:
    """Everything `crm-host serve --debug --log-format json` writes, calls that fail included."""
    host = serve_accounts(
        "--database-url", crm_database_url, "--migrate", "--debug", "--log-format", "json"
    )
    secret = "a very private passphrase 42"
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        client = Accounts(channel)
        created = await client.create("Jane Roe", "jane@example.com", secret)
        token = (await client.authenticate("jane@example.com", secret)).session_token
        assert (await client.as_caller(token).get(created.id)).email == "jane@example.com"
        # A wrong password and a bad token are logged as failures, still without secrets.
        with pytest.raises(grpc.aio.AioRpcError):
            await client.authenticate("jane@example.com", secret + "!")
        with pytest.raises(grpc.aio.AioRpcError):
            await client.as_caller(token + "x").get(created.id)
    assert await asyncio.to_thread(host.terminate) == 0

    [(stored_hash,)] = query(
        crm_database_url, "SELECT password_hash FROM accounts WHERE id = :id", id=created.id
    )
    token_hashes = [
        row[0] for row in query(crm_database_url, "SELECT token_hash FROM accounts_sessions")
    ]
    captured = host.output
    # The capture worked: every call's line is there, at DEBUG level and in JSON.
    assert captured.count('"logger": "crm_host.rpc"') == 5
    assert '"level": "DEBUG"' in captured
    for forbidden in [secret, token, stored_hash, *token_hashes]:
        assert forbidden
        assert forbidden not in captured
