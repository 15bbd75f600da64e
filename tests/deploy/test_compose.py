"""The Compose files, checked by the Compose v2 binary and for the invariants a deployment
relies on: every service limited, secrets as files, two API replicas behind a load balancer."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.deploy.conftest import DEPLOY, compose_binary, run

pytestmark = pytest.mark.requirement("DEP-02")

DEV = DEPLOY / "compose.yml"
PROD = DEPLOY / "compose.prod.yml"
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|API_KEY|TOKEN|LEDGER_URL)", re.IGNORECASE)


def _config(path, **env: str) -> dict:
    environment = {**os.environ, "WORKBENCH_IMAGE": "workbench:test", **env}
    out = run(compose_binary(), "-f", str(path), "config", "--format", "json", env=environment)
    return json.loads(out.stdout)


@pytest.mark.parametrize("path", [DEV, PROD], ids=["compose.yml", "compose.prod.yml"])
def test_compose_config_accepts_the_file(path) -> None:
    env = {**os.environ, "WORKBENCH_IMAGE": "workbench:test"}
    run(compose_binary(), "-f", str(path), "config", "-q", env=env)


def test_the_binary_refuses_a_broken_file(tmp_path) -> None:
    broken = tmp_path / "compose.yml"
    broken.write_text("services:\n  api:\n    image: x\n    replicas_typo: 2\n")
    answer = run(compose_binary(), "-f", str(broken), "config", "-q", check=False)
    assert answer.returncode != 0
    assert "replicas_typo" in answer.stderr


def test_production_needs_an_image_tag() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_IMAGE"}
    answer = run(compose_binary(), "-f", str(PROD), "config", "-q", env=env, check=False)
    assert answer.returncode != 0
    assert "WORKBENCH_IMAGE" in answer.stderr


def test_development_runs_one_of_each() -> None:
    services = _config(DEV)["services"]
    expected = {"postgres", "redis", "exchange", "migrate", "api", "dashboards", "lab",
                "runner", "monitor", "dask-scheduler", "dask-worker"}  # fmt: skip
    assert expected <= set(services)
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", f"{name} publishes beyond loopback"


def test_production_is_replicated_limited_and_reads_secrets_from_files() -> None:
    config = _config(PROD)
    services = config["services"]
    assert {"api-1", "api-2", "loadbalancer", "postgres", "redis", "dashboards",
            "dask-scheduler", "dask-worker", "prometheus", "monitor"} <= set(services)  # fmt: skip
    for name, service in services.items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert limits.get("memory") and limits.get("cpus"), f"{name} has no resource limits"
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                pytest.fail(f"{name} carries the secret {key} as a value, not a file")
            assert "password" not in str(value).lower() or key.endswith("_FILE")
    assert all("file" in secret for secret in config["secrets"].values())
    lb_ports = services["loadbalancer"]["ports"]
    assert [p["target"] for p in lb_ports] == [8443]
    for replica in ("api-1", "api-2"):
        api = services[replica]
        assert api["read_only"] is True
        assert api["cap_drop"] == ["ALL"]
        assert "healthcheck" in api
        assert "ports" not in api, "the API is reached through the load balancer only"


def test_the_load_balancer_and_prometheus_name_both_replicas() -> None:
    nginx = (DEPLOY / "nginx" / "api.conf").read_text()
    prometheus = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    for replica in ("api-1:8000", "api-2:8000"):
        assert replica in nginx
        assert replica in prometheus
