"""deploy/kubernetes/: every manifest is valid against Kubernetes' own API schemas.

tests/test_deploy.py checks that the manifests agree with each other and with
the host; it reads them as plain YAML, so a misspelled or misplaced field (which
the API server would reject, or silently drop) passes there. Here each object is
validated against the OpenAPI schemas of a pinned Kubernetes release, which
kubernetes-validate ships inside its wheel: no cluster and no network needed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

KUBERNETES = Path(__file__).parents[2] / "deploy" / "kubernetes"

# The oldest Kubernetes release these manifests are for: the Deployment's native
# gRPC probes are GA from 1.27 on (docs/kubernetes.md). Validating against the
# oldest release rejects any field added after it. kubernetes-validate 1.37.0
# bundles 1.25 to 1.37; if a later release stops bundling 1.27, the tests below
# fail (an older or no release gets used) instead of checking something else:
# then raise this floor here and in docs/kubernetes.md together.
KUBERNETES_VERSION = "1.27"

# Every manifest file, one test each; secret.example.yaml included.
MANIFEST_FILES = sorted(path.name for path in KUBERNETES.glob("*.yaml"))


def objects(text: str) -> list[dict[str, Any]]:
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    assert all(isinstance(d, dict) for d in documents)
    return documents


def validate(resource: dict[str, Any]) -> str:
    """Validate against KUBERNETES_VERSION's schemas; return the release actually used.

    strict=True uses the schemas that reject unknown properties, as the API
    server's strict field validation (kubectl's default, --validate=strict)
    does; the non-strict schemas accept any misspelled field.
    """
    used = kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    assert isinstance(used, str)
    return used


def test_the_manifests_are_found() -> None:
    # An empty list would turn the parametrized test below into one skip.
    assert "deployment.yaml" in MANIFEST_FILES
    assert "secret.example.yaml" in MANIFEST_FILES


@pytest.mark.parametrize("name", MANIFEST_FILES)
def test_manifest_is_valid_against_the_kubernetes_schemas(name: str) -> None:
    resources = objects((KUBERNETES / name).read_text())
    assert resources, f"{name}: no object"
    for resource in resources:
        # A kind without a schema raises SchemaNotFoundError here, so it fails
        # rather than passing unchecked (the command line only warns about it).
        # Validating against an older release than asked for would also be a
        # silent weakening: the release used must be the pinned one.
        assert validate(resource) == KUBERNETES_VERSION, name


def test_the_validator_rejects_a_misspelled_field() -> None:
    """The check has teeth: a Deployment with one misspelled field fails."""
    [deployment] = objects((KUBERNETES / "deployment.yaml").read_text())
    validate(deployment)
    broken = copy.deepcopy(deployment)
    [container] = broken["spec"]["template"]["spec"]["containers"]
    container["readinessprobe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError) as caught:
        validate(broken)
    assert "readinessprobe" in caught.value.message
    assert list(caught.value.path) == ["spec", "template", "spec", "containers", 0]


def test_a_kind_without_a_schema_fails_instead_of_passing() -> None:
    """A typo in kind or apiVersion cannot make a manifest skip validation."""
    [deployment] = objects((KUBERNETES / "deployment.yaml").read_text())
    broken = {**deployment, "kind": "Deploymnet"}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate(broken)
