"""deploy/: the Dockerfile and Kubernetes manifests agree with each other and with the host.

Nothing here needs Docker or a cluster: the manifests are parsed and checked
against one another, the probes' health service names are asked of a real host,
and the migration Job's and the Deployment's own commands are run as
subprocesses with the ConfigMap's config.toml.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

import crm_accounts.plugin
from crm_accounts.settings import AccountsSettings
from crm_host._server import config as host_config
from crm_host.builtins import COMMANDS
from crm_host.testing import HostProcess, StartHost

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"

# The documented configuration keys the deploy/ config may use (docs/kubernetes.md,
# README): top-level host options, and each plugin's [plugins.<name>] settings.
DOCUMENTED_OPTIONS = frozenset(
    {
        "listen",
        "database_url",
        "migrate",
        "grace",
        "drain_delay",
        "metrics_listen",
        "health_listen",
        "log_format",
        "max_connection_age_seconds",
        "max_connection_age_grace_seconds",
    }
)
DOCUMENTED_PLUGIN_OPTIONS = {
    "accounts": frozenset(
        {
            "argon2_profile",
            "hash_workers",
            "hash_queue",
            "session_ttl_seconds",
            "allow_signup",
            "login_max_failures",
            "login_peer_max_failures",
            "login_window_seconds",
            "login_backoff_seconds",
            "purge_interval_seconds",
        }
    )
}

# Every manifest, with the one object it holds.
MANIFESTS = {
    "configmap.yaml": ("v1", "ConfigMap"),
    "secret.example.yaml": ("v1", "Secret"),
    "migration-job.yaml": ("batch/v1", "Job"),
    "deployment.yaml": ("apps/v1", "Deployment"),
    "service.yaml": ("v1", "Service"),
    "service-headless.yaml": ("v1", "Service"),
    "pdb.yaml": ("policy/v1", "PodDisruptionBudget"),
}

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


@cache
def manifest(name: str) -> dict[str, Any]:
    documents = [d for d in yaml.safe_load_all((KUBERNETES / name).read_text()) if d is not None]
    assert len(documents) == 1, f"{name}: expected one object, found {len(documents)}"
    document = documents[0]
    assert isinstance(document, dict)
    return document


def pod_spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = manifest(name)["spec"]["template"]["spec"]
    return spec


def server_container() -> dict[str, Any]:
    [container] = pod_spec("deployment.yaml")["containers"]
    assert isinstance(container, dict)
    return container


def config_text() -> str:
    text = manifest("configmap.yaml")["data"]["config.toml"]
    assert isinstance(text, str)
    return text


def config() -> dict[str, Any]:
    return tomllib.loads(config_text())


def config_path() -> str:
    """Where the pods find config.toml: the ConfigMap volume's mount path."""
    [volume] = [
        v
        for v in pod_spec("deployment.yaml")["volumes"]
        if v.get("configMap", {}).get("name") == manifest("configmap.yaml")["metadata"]["name"]
    ]
    [mount] = [m for m in server_container()["volumeMounts"] if m["name"] == volume["name"]]
    return f"{mount['mountPath']}/config.toml"


def port_of(address: str) -> int:
    return int(address.rpartition(":")[2])


def grpc_port() -> int:
    [port] = [p["containerPort"] for p in server_container()["ports"] if p["name"] == "grpc"]
    assert isinstance(port, int)
    return port


def probes() -> dict[str, dict[str, Any]]:
    container = server_container()
    return {name: container[name] for name in PROBES}


def probe_service(probe: dict[str, Any]) -> str:
    """The health service a gRPC probe asks for; Kubernetes sends "" when it is omitted."""
    service = probe["grpc"].get("service", "")
    assert isinstance(service, str)
    return service


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def env_references(value: object) -> Iterator[str]:
    """The variables named by { env = "VAR" } values anywhere in a parsed config."""
    if isinstance(value, dict):
        if set(value) == {"env"}:
            yield value["env"]
        else:
            for item in value.values():
                yield from env_references(item)


# -- the files ------------------------------------------------------------------


def test_every_manifest_parses_with_the_expected_kind_and_api_version() -> None:
    assert sorted(p.name for p in KUBERNETES.glob("*.yaml")) == sorted(MANIFESTS)
    for name, (api_version, kind) in MANIFESTS.items():
        document = manifest(name)
        assert (document["apiVersion"], document["kind"]) == (api_version, kind), name
        assert document["metadata"]["name"].startswith("crm-host"), name


def test_the_secret_is_clearly_an_example() -> None:
    text = (KUBERNETES / "secret.example.yaml").read_text()
    assert "EXAMPLE ONLY" in text
    assert "CHANGE-ME" in manifest("secret.example.yaml")["stringData"]["database-url"]


def test_config_toml_uses_only_documented_options() -> None:
    parsed = config()
    plugins = parsed.pop("plugins")
    assert sorted(set(parsed) - DOCUMENTED_OPTIONS) == []
    assert sorted(set(plugins) - DOCUMENTED_PLUGIN_OPTIONS.keys()) == []
    for plugin, table in plugins.items():
        assert sorted(set(table) - DOCUMENTED_PLUGIN_OPTIONS[plugin]) == [], plugin


def test_the_documented_options_are_real() -> None:
    """The lists above name settings the host and the accounts plugin really have."""
    fields = set(AccountsSettings.model_fields)
    assert fields == DOCUMENTED_PLUGIN_OPTIONS["accounts"]
    options = host_config.OPTIONS
    assert sorted(DOCUMENTED_OPTIONS - {option.name for option in options}) == []


def test_the_accounts_settings_are_valid() -> None:
    table = config()["plugins"]["accounts"]
    settings = AccountsSettings.model_validate(table)
    assert settings.argon2_profile == "rfc9106-low-memory"


def test_config_example_toml_is_the_configmaps_config() -> None:
    assert tomllib.loads((DEPLOY / "config.example.toml").read_text()) == config()


def test_config_values_from_the_environment_are_set_by_every_pod() -> None:
    references = set(env_references(config()))
    assert "CRM_DATABASE_URL" in references
    for name in ("deployment.yaml", "migration-job.yaml"):
        [container] = pod_spec(name)["containers"]
        assert references <= {variable["name"] for variable in container["env"]}, name


def test_secret_and_configmap_references_exist() -> None:
    secret = manifest("secret.example.yaml")
    config_map = manifest("configmap.yaml")
    assert "config.toml" in config_map["data"]
    for name in ("deployment.yaml", "migration-job.yaml"):
        spec = pod_spec(name)
        [container] = spec["containers"]
        for variable in container["env"]:
            ref = variable["valueFrom"]["secretKeyRef"]
            assert ref["name"] == secret["metadata"]["name"], name
            assert ref["key"] in secret["stringData"], name
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        tmp = "/tmp"  # noqa: S108 - the pods' writable scratch directory
        assert (
            volumes[mounts["/etc/crm-host"]]["configMap"]["name"] == config_map["metadata"]["name"]
        )
        assert "emptyDir" in volumes[mounts[tmp]], name


# -- the Deployment ---------------------------------------------------------------


def test_deployment_runs_three_replicas_of_serve_with_the_config() -> None:
    deployment = manifest("deployment.yaml")
    assert deployment["spec"]["replicas"] == 3
    assert server_container()["args"] == ["serve", "--config", config_path()]
    assert "host.serve" in COMMANDS


def test_probes_ask_the_plaintext_health_port() -> None:
    parsed = config()
    assert grpc_port() == port_of(parsed["listen"]) == 50051
    [health] = [p["containerPort"] for p in server_container()["ports"] if p["name"] == "health"]
    assert health == port_of(parsed["health_listen"]) == 8081
    for name, probe in probes().items():
        # gRPC probes take a port number; a named port is rejected by the API server.
        assert probe["grpc"]["port"] == health, name
    [metrics] = [p["containerPort"] for p in server_container()["ports"] if p["name"] == "metrics"]
    assert metrics == port_of(parsed["metrics_listen"])


def test_probes_ask_liveness_and_readiness() -> None:
    services = {name: probe_service(probe) for name, probe in probes().items()}
    assert services == {
        "startupProbe": "liveness",
        "livenessProbe": "liveness",
        "readinessProbe": "",
    }


async def test_every_probe_service_is_serving_on_a_real_host(
    crm_host: StartHost,
) -> None:
    table = config()["plugins"]["accounts"]
    host = await crm_host(
        (crm_accounts.plugin, "accounts"),
        settings={"accounts": {k: _setting(v) for k, v in table.items()}},
    )
    stub = health_pb2_grpc.HealthStub(host.channel)
    for name, probe in probes().items():
        request = health_pb2.HealthCheckRequest(service=probe_service(probe))
        reply = await stub.Check(request, timeout=10)
        assert reply.status == SERVING, name


def test_termination_grace_period_outlasts_drain_delay_and_grace() -> None:
    parsed = config()
    period = pod_spec("deployment.yaml")["terminationGracePeriodSeconds"]
    assert period > parsed["drain_delay"] + parsed["grace"]
    assert parsed["drain_delay"] > 0
    # Every name reports NOT_SERVING from SIGTERM on; even if the kubelet goes on
    # probing a draining pod, liveness must not fail it before it exits.
    liveness = probes()["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= period


def test_the_pods_run_as_non_root_on_a_read_only_filesystem() -> None:
    for name in ("deployment.yaml", "migration-job.yaml"):
        spec = pod_spec(name)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        [container] = spec["containers"]
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name


def test_memory_limit_leaves_room_for_the_argon2_workers() -> None:
    table = config()["plugins"]["accounts"]
    parameters = AccountsSettings.model_validate(table).argon2_parameters
    hashing_mib = table["hash_workers"] * parameters.memory_cost // 1024
    limit = server_container()["resources"]["limits"]["memory"]
    assert limit.endswith("Mi")
    assert int(limit.removesuffix("Mi")) >= hashing_mib + 256


# -- Services, PDB, Job -------------------------------------------------------------


def test_services_select_the_deployments_pods_and_never_the_jobs() -> None:
    deployment = manifest("deployment.yaml")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"]["matchLabels"], labels)
    job_labels = manifest("migration-job.yaml")["spec"]["template"]["metadata"]["labels"]
    selectors = {
        "service.yaml": manifest("service.yaml")["spec"]["selector"],
        "service-headless.yaml": manifest("service-headless.yaml")["spec"]["selector"],
        "pdb.yaml": manifest("pdb.yaml")["spec"]["selector"]["matchLabels"],
    }
    for name, selector in selectors.items():
        assert selects(selector, labels), name
        assert not selects(selector, job_labels), name
    for name in ("service.yaml", "service-headless.yaml"):
        [grpc_service_port] = [p for p in manifest(name)["spec"]["ports"] if p["name"] == "grpc"]
        assert grpc_service_port["port"] == grpc_port(), name
        assert grpc_service_port["targetPort"] == "grpc", name


def test_the_headless_service_is_headless_and_publishes_only_ready_pods() -> None:
    spec = manifest("service-headless.yaml")["spec"]
    assert spec["clusterIP"] == "None"
    assert spec.get("publishNotReadyAddresses", False) is False
    assert manifest("service.yaml")["spec"].get("clusterIP") != "None"


def test_the_pdb_allows_one_replica_down() -> None:
    spec = manifest("pdb.yaml")["spec"]
    replicas = manifest("deployment.yaml")["spec"]["replicas"]
    assert spec.get("maxUnavailable") == 1 or spec.get("minAvailable") == replicas - 1


def test_the_migration_job_runs_crm_host_migrate_with_the_same_image() -> None:
    [container] = pod_spec("migration-job.yaml")["containers"]
    assert container["command"] == ["crm-host", "migrate", "--config", config_path()]
    assert "host.migrate" in COMMANDS
    assert container["image"] == server_container()["image"]
    assert pod_spec("migration-job.yaml")["restartPolicy"] == "Never"


# -- the Dockerfile -------------------------------------------------------------------


def final_stage() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile's last stage, continuations joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions = [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]
    starts = [i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM"]
    assert len(starts) >= 2, "expected a multi-stage build"
    return instructions[starts[-1] :]


def test_dockerfile_final_stage_runs_crm_host_as_a_non_root_uid() -> None:
    stage = final_stage()
    assert stage[0][1].startswith("python:3.11-slim")
    [user] = [arguments for instruction, arguments in stage if instruction == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit(), "USER must be a numeric UID, which runAsNonRoot can check"
    assert int(uid) != 0, "USER must not be root"
    assert int(uid) == pod_spec("deployment.yaml")["securityContext"]["runAsUser"]


def test_dockerfile_exposes_the_ports_and_runs_serve_with_the_config() -> None:
    stage = dict(final_stage())
    parsed = config()
    exposed = {int(port.split("/")[0]) for port in stage["EXPOSE"].split()}
    assert exposed >= {
        port_of(parsed["listen"]),
        port_of(parsed["metrics_listen"]),
        port_of(parsed["health_listen"]),
    }
    assert yaml.safe_load(stage["ENTRYPOINT"]) == ["crm-host"]
    assert yaml.safe_load(stage["CMD"]) == server_container()["args"]
    scripts = tomllib.loads((ROOT / "host/pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["crm-host"] == "crm_host._server.cli:main"


# -- the real commands, with the ConfigMap's config.toml -----------------------------


def _setting(value: object) -> str:
    """A TOML plugin value as the host hands it to plugins (strings; booleans lowercase)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _local(command: list[str], path: Path) -> list[str]:
    """A container command run here: crm-host as `python -m crm_host`, the config at path."""
    words = [str(path) if word == config_path() else word for word in command]
    if words[0] == "crm-host":
        words = words[1:]
    return words


def _metrics_status(port: int) -> int:
    """The HTTP status of GET /metrics, retried while the server comes up."""
    deadline = time.monotonic() + 10
    while True:
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            with urllib.request.urlopen(url, timeout=5) as response:
                status: int = response.status
                return status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


async def _status(channel: grpc.aio.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return int(reply.status)


async def test_the_job_migrates_then_serve_probes_metrics_and_drain_work(
    crm_database_url: str, tmp_path: Path
) -> None:
    """The Job's command, then the Deployment's, as the pods would run them."""
    port, metrics_port, health_port = _free_port(), _free_port(), _free_port()
    text, listens = re.subn(r'(?m)^listen = ".*"$', f'listen = "127.0.0.1:{port}"', config_text())
    text, metrics = re.subn(
        r'(?m)^metrics_listen = ".*"$', f'metrics_listen = "127.0.0.1:{metrics_port}"', text
    )
    text, healths = re.subn(
        r'(?m)^health_listen = ".*"$', f'health_listen = "127.0.0.1:{health_port}"', text
    )
    assert listens == metrics == healths == 1
    path = tmp_path / "config.toml"
    path.write_text(text)
    env = {"CRM_DATABASE_URL": crm_database_url}

    [job] = pod_spec("migration-job.yaml")["containers"]
    migrate = HostProcess(*_local(job["command"], path), env=env, cwd=tmp_path)
    assert await asyncio.to_thread(migrate.wait, 120) == 0, migrate.output

    serve = HostProcess(*_local(server_container()["args"], path), env=env, cwd=tmp_path)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            deadline = time.monotonic() + 60
            while True:
                assert serve.process.poll() is None, serve.output
                assert time.monotonic() < deadline, serve.output
                try:
                    if await _status(channel, "") == SERVING:
                        break
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.1)
            async with grpc.aio.insecure_channel(f"127.0.0.1:{health_port}") as probe_channel:
                for name, probe in probes().items():
                    status = await _status(probe_channel, probe_service(probe))
                    assert status == SERVING, name

            assert await asyncio.to_thread(_metrics_status, metrics_port) == 200, serve.output

            # SIGTERM: NOT_SERVING at once, yet still answering during drain_delay,
            # then exit 0 well within terminationGracePeriodSeconds.
            drain_delay = config()["drain_delay"]
            started = time.monotonic()
            serve.process.terminate()
            while await _status(channel, "") != NOT_SERVING:
                await asyncio.sleep(0.05)
            await asyncio.sleep(min(1.0, drain_delay / 2))
            assert await _status(channel, "") == NOT_SERVING
        period = pod_spec("deployment.yaml")["terminationGracePeriodSeconds"]
        assert await asyncio.to_thread(serve.wait, period) == 0, serve.output
        assert time.monotonic() - started >= drain_delay - 0.5
    finally:
        serve.kill()
