"""Misbehaving plugins: handlers that raise, startup and shutdown hooks that never return."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest

from crm_host._server import logs
from crm_host._server.plugins import PluginError
from crm_host.testing import HostProcess, StartHost, rich_error, start_test_host, stop_test_host
from reliability.serving import assert_serving
from support.distributions import install_plugin
from testplugins._proto.crmtest.v1 import echo_pb2, echo_pb2_grpc
from testplugins.echo import LEAKY_ERROR, AsyncEchoPlugin, SyncEchoPlugin
from testplugins.faulty import Lifecycle
from testplugins.hanging import (
    AsyncShutdownHangs,
    AsyncStartupHangs,
    SyncShutdownHangs,
    SyncStartupHangs,
)

TESTS = Path(__file__).parents[1]
# The store plays no part in these faults.
SQLITE_ONLY = pytest.mark.parametrize("crm_database_url", ["sqlite"], indirect=True)
# Small, so that giving up costs the suite little; large enough for a busy machine
# to run a healthy hook within it.
HOOK_TIMEOUT = 0.5
# A liveness bound: far above HOOK_TIMEOUT, it only keeps a hang from hanging the suite.
LIVENESS = 30
LEAKED_WORDS = ("secret", "/etc/passwd", "SELECT", "RuntimeError", "Traceback")


def request_id_of(error: grpc.aio.AioRpcError) -> str:
    [request_id] = [v for k, v in error.trailing_metadata() or () if k == logs.REQUEST_ID_KEY]
    assert isinstance(request_id, str)
    return request_id


# Handlers that raise


@SQLITE_ONLY
@pytest.mark.parametrize("plugin", [AsyncEchoPlugin, SyncEchoPlugin], ids=["async", "sync"])
async def test_a_raising_handler_answers_internal_without_its_text_while_others_are_served(
    plugin: type,
    crm_host: StartHost,
    caplog: pytest.LogCaptureFixture,
) -> None:
    channel = (await crm_host((plugin(), "echo"))).channel
    stub = echo_pb2_grpc.EchoServiceStub(channel)
    caplog.handler.setFormatter(logs.JsonFormatter())
    # Bugs and ordinary calls interleaved, all in flight at once.
    messages = ["raise" if n % 2 else f"ok {n}" for n in range(20)]
    with caplog.at_level(logging.INFO):
        outcomes = await asyncio.gather(
            *(stub.Echo(echo_pb2.EchoRequest(message=m), timeout=LIVENESS) for m in messages),
            return_exceptions=True,
        )
        failures: list[grpc.aio.AioRpcError] = []
        for message, outcome in zip(messages, outcomes, strict=True):
            if message == "raise":
                assert isinstance(outcome, grpc.aio.AioRpcError)
                failures.append(outcome)
            else:
                assert isinstance(outcome, echo_pb2.EchoResponse)
                assert outcome.message == message

        for failure in failures:
            error = rich_error(failure)
            assert (error.code, error.message) == (grpc.StatusCode.INTERNAL, "internal error")
            assert (error.reason, error.domain, error.metadata) == ("INTERNAL", "crm-host", {})
            everything_sent = repr(failure.trailing_metadata()) + str(failure.details())
            assert not [word for word in LEAKED_WORDS if word in everything_sent]

    # Exactly one ERROR line per failed call, with its traceback, under the id the client
    # got; logged before the answer is sent, so it is there by now.
    entries: list[dict[str, Any]] = [json.loads(line) for line in caplog.text.splitlines()]
    errors = [e for e in entries if e["level"] == "ERROR"]
    assert sorted(e["request_id"] for e in errors) == sorted(map(request_id_of, failures))
    for entry in errors:
        assert entry["message"] == "rpc /crmtest.v1.EchoService/Echo raised an unexpected exception"
        assert "Traceback" in entry["exc_info"]
        assert f"RuntimeError: {LEAKY_ERROR}" in entry["exc_info"]

    async def echo() -> None:
        reply = await stub.Echo(echo_pb2.EchoRequest(message="after"), timeout=LIVENESS)
        assert reply.message == "after"

    await assert_serving(channel, echo)


# Startup hooks that never return


@SQLITE_ONLY
@pytest.mark.parametrize("plugin", [AsyncStartupHangs, SyncStartupHangs], ids=["async", "sync"])
async def test_a_startup_hook_that_never_returns_fails_the_start_naming_plugin_and_timeout(
    plugin: type, crm_database_url: str
) -> None:
    hanging = plugin()
    try:
        with pytest.raises(PluginError) as failure:
            await asyncio.wait_for(
                start_test_host(
                    [(AsyncEchoPlugin(), "echo"), (hanging, "stuck")],
                    crm_database_url,
                    hook_timeout_seconds=HOOK_TIMEOUT,
                ),
                LIVENESS,
            )
    finally:
        if isinstance(hanging, SyncStartupHangs):
            hanging.release.set()
    assert str(failure.value) == (
        "plugin 'stuck': hook startup did not finish within 0.5s (hook_timeout_seconds)"
    )


def install_hanging(site: Path, hook: str, implementation: str) -> dict[str, str]:
    """Install plugin 'stuck' whose ``hook`` is ``implementation``; return the serve env."""
    code = f"""
        from testplugins.hanging import {implementation}

        {hook} = {implementation}().{hook}
    """
    install_plugin(site, "crm-stuck", "1.0", "stuck", code)
    return {
        "PYTHONPATH": os.pathsep.join([str(site), str(TESTS)]),
        "CRM_HOOK_TIMEOUT_SECONDS": str(HOOK_TIMEOUT),
    }


@pytest.mark.parametrize(
    "implementation", ["AsyncStartupHangs", "SleepingStartup"], ids=["async", "sync"]
)
def test_crm_host_serve_exits_1_when_a_startup_hook_never_returns(
    implementation: str, tmp_path: Path
) -> None:
    env = install_hanging(tmp_path / "site", "startup", implementation)
    host = HostProcess(
        "serve", "--plugins", "stuck", "--listen", "127.0.0.1:0", env=env, cwd=tmp_path
    )
    # A plain hook still sleeps on its thread: only a daemon thread lets the process exit.
    assert host.wait(LIVENESS) == 1
    assert "listening" not in host.output
    assert host.lines[-1] == (
        "crm-host: error: plugin 'stuck' (crm-stuck 1.0): hook startup did not finish "
        "within 0.5s (hook_timeout_seconds)\n"
    )


# Shutdown hooks that never return


@SQLITE_ONLY
async def test_shutdown_gives_up_on_hanging_hooks_and_still_shuts_the_others_down(
    crm_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    sync_hang = SyncShutdownHangs()
    test_host = await start_test_host(
        [
            (Lifecycle("first", calls), "first"),
            (AsyncShutdownHangs(), "async-stuck"),
            (sync_hang, "sync-stuck"),
        ],
        crm_database_url,
        hook_timeout_seconds=HOOK_TIMEOUT,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="crm_host"):
            await asyncio.wait_for(stop_test_host(test_host), LIVENESS)
    finally:
        sync_hang.release.set()
    # Shut down in reverse load order: the first plugin's turn comes after both hangs.
    assert calls == ["startup first", "shutdown first"]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"plugin '{name}': hook shutdown did not finish within 0.5s (hook_timeout_seconds)"
        for name in ("sync-stuck", "async-stuck")
    ]


def test_crm_host_serve_exits_on_sigterm_despite_a_shutdown_hook_that_never_returns(
    tmp_path: Path,
) -> None:
    env = install_hanging(tmp_path / "site", "shutdown", "SleepingShutdown")
    host = HostProcess(
        "serve", "--plugins", "stuck", "--listen", "127.0.0.1:0", env=env, cwd=tmp_path
    )
    host.wait_listening()
    assert host.terminate(LIVENESS) == 0
    assert (
        "plugin 'stuck' (crm-stuck 1.0): hook shutdown did not finish within 0.5s "
        "(hook_timeout_seconds)"
    ) in host.output
    assert host.lines[-1].rstrip().endswith("stopped")
