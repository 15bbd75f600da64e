"""deploy/scripts: shellcheck clean, each with --help, `set -euo pipefail` and a dry-run; the
blue-green plan in the right order; a real backup restored into a scratch home and compared;
a tampered backup refused with the home left as it was; the health check against a live API."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, REPO, run, tool
from workbench.testing import free_port, wait_until

pytestmark = pytest.mark.requirement("DEP-04")

SCRIPTS = sorted((DEPLOY / "scripts").glob("*.sh"))
RUNNABLE = [s for s in SCRIPTS if s.name != "lib.sh"]
EXPECTED = {"setup.sh", "deploy.sh", "rollback.sh", "health_check.sh", "backup.sh",
            "restore.sh", "rotate_keys.sh"}  # fmt: skip
WORKBENCH = str(Path(sys.executable).parent / "workbench")


def _script(name: str, *args: str, env: dict[str, str] | None = None, check: bool = True):
    return run("bash", str(DEPLOY / "scripts" / name), *args, env=env, check=check)


def _env(home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    return {**clean, "WB_HOME": str(home)}


def test_every_script_the_operations_need_is_there() -> None:
    assert {s.name for s in RUNNABLE} >= EXPECTED


def test_shellcheck_passes_on_every_script() -> None:
    run(tool("shellcheck"), "-x", *(str(s.relative_to(REPO)) for s in SCRIPTS))


@pytest.mark.parametrize("script", RUNNABLE, ids=lambda p: p.name)
def test_each_script_is_strict_and_explains_itself(script: Path) -> None:
    assert "set -euo pipefail" in script.read_text()
    usage = run("bash", str(script), "--help").stdout
    assert usage.startswith(f"usage: {script.name}")
    assert "--dry-run" in usage
    wrong = run("bash", str(script), "--no-such-flag", check=False)
    assert wrong.returncode != 0
    assert "unknown argument '--no-such-flag'" in wrong.stderr


def test_deploy_plans_blue_green_in_order(tmp_path: Path) -> None:
    out = _script("deploy.sh", "--env", "production", "--tag", "1.4.0", "--dry-run",
                  "--render-to", str(tmp_path)).stdout.splitlines()  # fmt: skip
    steps = [line.removeprefix("[dry-run] ") for line in out]
    order = [
        "config validate --env production",
        "apply -f " + str(tmp_path / "rest.yaml"),
        "wait --for=condition=complete --timeout=600s job/workbench-migrate-1-4-0",
        "apply -f " + str(tmp_path / "api.yaml"),
        "rollout status deployment/workbench-api-green",
        "apply -f " + str(tmp_path / "service.yaml"),
        "annotate --overwrite service workbench-api workbench.io/previous-colour=blue",
    ]
    positions = [next(i for i, s in enumerate(steps) if part in s) for part in order]
    assert positions == sorted(positions), steps
    api = list(yaml.safe_load_all((tmp_path / "api.yaml").read_text()))
    assert {d["metadata"]["name"] for d in api} == {"workbench-api-green"}
    deployment = next(d for d in api if d["kind"] == "Deployment")
    assert deployment["spec"]["selector"]["matchLabels"]["workbench.io/colour"] == "green"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1.4.0")
    (service,) = yaml.safe_load_all((tmp_path / "service.yaml").read_text())
    assert service["spec"]["selector"]["workbench.io/colour"] == "green"
    for part in ("api", "service", "rest"):
        run(tool("kubernetes-validate"), "--strict", "--quiet", str(tmp_path / f"{part}.yaml"))


def test_deploy_refuses_an_unknown_environment_or_tag() -> None:
    unknown = _script("deploy.sh", "--env", "prod", "--tag", "1", "--dry-run", check=False)
    assert unknown.returncode == 1 and "unknown environment 'prod'" in unknown.stderr
    bad_tag = _script("deploy.sh", "--env", "staging", "--tag", "1;rm -rf /", "--dry-run",
                      check=False)  # fmt: skip
    assert bad_tag.returncode == 1 and "is not an image tag" in bad_tag.stderr


def test_rollback_plans_the_switch_back() -> None:
    steps = _script("rollback.sh", "--dry-run").stdout
    assert "scale deployment workbench-api-blue --replicas=2" in steps
    assert "workbench.io/colour" in steps and "blue" in steps


def test_setup_generates_private_random_secrets_and_names_the_missing(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    answer = _script("setup.sh", "--env", "production", "--secrets", str(secrets), "--generate",
                     check=False)  # fmt: skip
    assert answer.returncode == 1
    assert "missing secret files" in answer.stderr and "ledger_url" in answer.stderr
    jwt = secrets / "jwt_secret"
    assert len(jwt.read_text()) == 64
    assert oct(jwt.stat().st_mode & 0o777) == "0o600"
    assert oct(secrets.stat().st_mode & 0o777) == "0o700"
    first = jwt.read_text()
    for name in ("ledger_url", "alpaca_api_key", "alpaca_secret_key", "tls_cert", "tls_key",
                 "dashboards_htpasswd"):  # fmt: skip
        (secrets / name).write_text("x")
        (secrets / name).chmod(0o644)
    _script("setup.sh", "--env", "production", "--secrets", str(secrets))
    assert jwt.read_text() == first, "an existing secret is never replaced"
    assert oct((secrets / "tls_key").stat().st_mode & 0o777) == "0o600"


def test_rotating_the_jwt_secret_replaces_it(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "jwt_secret").write_text("old")
    plan = _script("rotate_keys.sh", "--jwt", "--secrets", str(secrets), "--dry-run").stdout
    assert (secrets / "jwt_secret").read_text() == "old"
    assert "--force-recreate api-1" in plan and "--force-recreate api-2" in plan


def test_rotating_the_sealing_key_reseals_the_stored_broker_keys(
    wb_home: Path, tmp_path: Path
) -> None:
    from workbench.core.config import load_settings
    from workbench.ops import broker_keys
    from workbench.runtime import Runtime

    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    _script("setup.sh", "--env", "production", "--secrets", str(secrets), "--generate",
            check=False)  # fmt: skip
    old = (secrets / "secrets_key").read_text()
    env = {**_env(wb_home), "WB_SECRETS__KEY_FILE": str(secrets / "secrets_key")}
    (tmp_path / "key_id").write_text("PKROT0001")
    (tmp_path / "secret").write_text("sk-rotated")
    run(WORKBENCH, "secrets", "set-broker", "alpaca", "--api-key-file", str(tmp_path / "key_id"),
        "--secret-key-file", str(tmp_path / "secret"), env=env)  # fmt: skip

    _script("rotate_keys.sh", "--sealing-key", "--secrets", str(secrets), "--no-restart",
            env=_env(wb_home))  # fmt: skip
    new = (secrets / "secrets_key").read_text()
    assert new != old and not (secrets / "secrets_previous_keys").exists()
    assert oct((secrets / "secrets_key").stat().st_mode & 0o777) == "0o600"
    settings = load_settings(home=wb_home, secrets={"key": new})  # the new key alone
    with Runtime.from_settings(settings) as runtime:
        assert runtime._with_stored_keys("alpaca").alpaca.api_key.get_secret_value() == "PKROT0001"
        assert broker_keys.list_stored(runtime)[0].current


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def traded_home(sample_home: Path) -> Path:
    """A home with a lake and a ledger that has something in it: a user and an admin's key."""
    env = {**_env(sample_home), "WB_ADMIN_PASSWORD": "a long enough password 1"}
    run(WORKBENCH, "users", "create-admin", "ada", "--password-env", "WB_ADMIN_PASSWORD", env=env)
    return sample_home


def test_backup_restores_into_a_scratch_home_identically(traded_home: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    _script("backup.sh", "--home", str(traded_home), "--out", str(backup), env=_env(traded_home))
    assert sorted(p.name for p in backup.iterdir()) == [
        "MANIFEST.sha256",
        "lake.tar",
        "ledger.json",
    ]
    scratch = tmp_path / "scratch"
    _script("restore.sh", "--from", str(backup), "--home", str(scratch), env=_env(scratch))
    assert _digest(scratch / "lake") == _digest(traded_home / "lake")
    users = run(WORKBENCH, "users", "list", "--json", env=_env(scratch)).stdout
    assert '"ada"' in users
    run(WORKBENCH, "audit", "verify", env=_env(scratch))


def test_a_damaged_backup_is_refused_and_the_home_left_alone(
    traded_home: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    _script("backup.sh", "--home", str(traded_home), "--out", str(backup), env=_env(traded_home))
    with (backup / "lake.tar").open("r+b") as tar:
        tar.seek(5000)
        byte = tar.read(1)
        tar.seek(5000)
        tar.write(bytes([byte[0] ^ 0xFF]))
    target = tmp_path / "target"
    answer = _script("restore.sh", "--from", str(backup), "--home", str(target),
                     env=_env(target), check=False)  # fmt: skip
    assert answer.returncode == 1
    assert "does not match its manifest" in answer.stderr
    assert not target.exists()


def test_a_failed_backup_leaves_no_folder(wb_home: Path, tmp_path: Path) -> None:
    (wb_home / "lake").mkdir()
    out = tmp_path / "backup"
    answer = _script("backup.sh", "--home", str(wb_home), "--out", str(out), env=_env(wb_home),
                     check=False)  # fmt: skip
    assert answer.returncode != 0
    assert not out.exists() and not Path(f"{out}.partial").exists()


def test_health_check_against_a_live_api(sample_home: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [WORKBENCH, "serve", "api", "--port", str(port)],
        env=_env(sample_home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: _script("health_check.sh", "--url", url, check=False).returncode == 0,
            what="the API to answer its health checks", timeout=60, interval=0.5,
        )  # fmt: skip
        healthy = _script("health_check.sh", "--url", url).stdout
        assert f"ok    {url}/healthz" in healthy and f"ok    {url}/readyz" in healthy
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    down = _script("health_check.sh", "--url", url, check=False)
    assert down.returncode == 1
    assert f"FAIL  {url}/healthz" in down.stdout
