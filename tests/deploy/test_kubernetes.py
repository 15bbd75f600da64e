"""The Kubernetes manifests: every overlay renders with kubectl's kustomize and is accepted by
kubernetes-validate --strict; the invariants hold in what is rendered (limits and probes on
every container, nothing as root, read-only root file systems, no Secret with a value, the
network policies, the API's replicas, budget and autoscaler)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, ENVIRONMENTS, run, tool

pytestmark = pytest.mark.requirement("DEP-03")

WORKLOADS = {"Deployment", "StatefulSet", "Job", "CronJob"}


def _pod_spec(doc: dict) -> dict:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def _of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_overlay_is_valid_kubernetes(environment, rendered, tmp_path: Path) -> None:
    manifest = tmp_path / f"{environment}.yaml"
    manifest.write_text(yaml.safe_dump_all(rendered[environment]))
    run(tool("kubernetes-validate"), "--strict", "--quiet", str(manifest))


def test_the_validator_refuses_an_unknown_field(rendered, tmp_path: Path) -> None:
    docs = [dict(d) for d in rendered["production"]]
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    deployment["spec"] = {**deployment["spec"], "replicaz": 3}
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(yaml.safe_dump_all(docs))
    answer = run(tool("kubernetes-validate"), "--strict", "--quiet", str(manifest), check=False)
    assert answer.returncode != 0
    assert "replicaz" in answer.stdout + answer.stderr


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_container_is_limited_probed_and_unprivileged(environment, rendered) -> None:
    for doc in rendered[environment]:
        if doc["kind"] not in WORKLOADS:
            continue
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        pod = _pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"].get("runAsUser", 0) != 0, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in pod["containers"] + pod.get("initContainers", []):
            where = f"{name} container {container['name']}"
            resources = container.get("resources", {})
            assert resources.get("limits", {}).keys() >= {"cpu", "memory"}, where
            assert resources.get("requests", {}).keys() >= {"cpu", "memory"}, where
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            if doc["kind"] in {"Deployment", "StatefulSet"}:
                assert "readinessProbe" in container and "livenessProbe" in container, where


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_secret_carries_a_value(environment, rendered) -> None:
    for doc in rendered[environment]:
        if doc["kind"] == "Secret":
            assert not any((doc.get("data") or {}).values()), doc["metadata"]["name"]
            assert not any((doc.get("stringData") or {}).values()), doc["metadata"]["name"]


def test_secret_templates_name_keys_without_values(tmp_path: Path) -> None:
    templates = sorted((DEPLOY / "kubernetes" / "secrets").glob("*.yaml"))
    assert templates
    for template in templates:
        run(tool("kubernetes-validate"), "--strict", "--quiet", str(template))
        for doc in yaml.safe_load_all(template.read_text()):
            assert doc["kind"] == "Secret"
            assert doc["stringData"] and not any(doc["stringData"].values()), template.name
    pods = "".join(p.read_text() for p in (DEPLOY / "kubernetes" / "base").glob("*.yaml"))
    assert "secretName: workbench-secrets" in pods


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_api_is_replicated_budgeted_scaled_and_probed(environment, rendered) -> None:
    docs = rendered[environment]
    api = _of_kind(docs, "Deployment")["workbench-api"]
    minimum = 1 if environment == "development" else 2
    assert api["spec"]["replicas"] >= minimum
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "workbench-api" in _of_kind(docs, "PodDisruptionBudget")
    hpa = _of_kind(docs, "HorizontalPodAutoscaler")["workbench-api"]
    assert hpa["spec"]["minReplicas"] >= minimum
    ingress = _of_kind(docs, "Ingress")["workbench"]
    assert ingress["spec"]["tls"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_process_of_the_image_runs_somewhere(environment, rendered) -> None:
    args = {
        doc["metadata"]["name"]: _pod_spec(doc)["containers"][0].get("args", [])
        for doc in rendered[environment]
        if doc["kind"] in WORKLOADS and doc["metadata"].get("labels", {}).get(
            "app.kubernetes.io/name") == "workbench"
    }  # fmt: skip
    roles = {a[0] for a in args.values() if a}
    assert {"api", "mcp-http", "dashboards", "monitor", "runner", "dask-scheduler",
            "dask-worker", "migrate"} <= roles  # fmt: skip
    assert "workbench-backup" in _of_kind(rendered[environment], "CronJob")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_only_ledger_pods_reach_postgres_and_redis(environment, rendered) -> None:
    docs = rendered[environment]
    policies = _of_kind(docs, "NetworkPolicy")
    deny = policies["default-deny-ingress"]
    assert deny["spec"]["podSelector"] == {} and deny["spec"]["policyTypes"] == ["Ingress"]
    for store, port in (("postgres", 5432), ("redis", 6379)):
        policy = policies[f"ledger-access-to-{store}"]
        assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": store}
        (rule,) = policy["spec"]["ingress"]
        assert rule["from"] == [
            {"podSelector": {"matchLabels": {"workbench.io/ledger-access": "true"}}}
        ]
        assert rule["ports"] == [{"protocol": "TCP", "port": port}]
    labelled = {
        doc["metadata"]["name"]: _pod_spec(doc) and (
            doc["spec"]["jobTemplate"]["spec"]["template"] if doc["kind"] == "CronJob"
            else doc["spec"]["template"])["metadata"]["labels"].get("workbench.io/ledger-access")
        for doc in docs if doc["kind"] in WORKLOADS
        and doc["metadata"]["name"] not in {"postgres", "redis"}
    }  # fmt: skip
    assert labelled["workbench-api"] == "true"
    assert labelled["workbench-dask-scheduler"] == "false"
    faces = policies["ingress-to-faces"]
    selected = faces["spec"]["podSelector"]["matchExpressions"][0]["values"]
    assert sorted(selected) == ["api", "dashboards", "mcp"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_config_map_is_the_environments_file(environment, rendered) -> None:
    maps = {
        name.rsplit("-", 1)[0]: doc
        for name, doc in _of_kind(rendered[environment], "ConfigMap").items()
    }
    config = maps["workbench-config"]["data"][f"{environment}.yaml"]
    assert config == (DEPLOY / "config" / f"{environment}.yaml").read_text()
    assert maps["workbench-env"]["data"]["WB_ENV"] == environment


def test_staging_and_production_pin_an_image_tag(rendered) -> None:
    for environment in ("staging", "production"):
        for doc in rendered[environment]:
            if doc["kind"] not in WORKLOADS:
                continue
            for container in _pod_spec(doc)["containers"]:
                image = container["image"]
                assert ":" in image and not image.endswith(":latest"), image
