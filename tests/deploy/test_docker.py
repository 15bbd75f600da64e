"""The image: hadolint clean, multi-stage from the lock, non-root, no build tools in the final
stage, a HEALTHCHECK, and an entry point with every role the deployment runs."""

from __future__ import annotations

import re

import pytest

from tests.deploy.conftest import BIN, DEPLOY, REPO, run, tool
from workbench.testing import free_port

pytestmark = pytest.mark.requirement("DEP-01")

DOCKERFILES = sorted(DEPLOY.rglob("Dockerfile*"))
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
ROLES = ["api", "mcp", "mcp-http", "dashboards", "lab", "exchange", "runner", "monitor",
         "dask-scheduler", "dask-worker", "migrate", "backup"]  # fmt: skip


def _stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def test_there_is_a_dockerfile() -> None:
    assert DOCKERFILES, "deploy/ holds no Dockerfile"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_hadolint_passes(dockerfile) -> None:
    run(tool("hadolint"), str(dockerfile))


def test_hadolint_catches_a_bad_dockerfile(tmp_path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get install gcc\n")
    assert run(tool("hadolint"), str(bad), check=False).returncode != 0


def test_image_builds_from_the_lock_and_runs_unprivileged() -> None:
    text = (DEPLOY / "docker" / "Dockerfile").read_text()
    stages = _stages(text)
    assert len(stages) >= 3, "a uv stage, a build stage and a final stage"
    build, final = stages[-2], stages[-1]
    assert "uv sync --frozen --no-dev" in build
    user = re.search(r"^USER (\S+)", final, flags=re.MULTILINE)
    assert user is not None and user.group(1).split(":")[0] not in {"0", "root"}
    assert re.search(r"^HEALTHCHECK ", final, flags=re.MULTILINE)
    # nothing that compiles or installs packages in the final stage
    for tool_name in ("uv ", "apt-get", "gcc", "build-essential", "pip install"):
        assert tool_name not in final, f"{tool_name!r} in the final stage"
    assert "/uv" not in final


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "deploy/secrets", "tests"):
        assert entry in ignored


def test_entrypoint_passes_shellcheck() -> None:
    run(tool("shellcheck"), str(ENTRYPOINT))


def test_entrypoint_names_every_role_and_refuses_others() -> None:
    help_text = run("bash", str(ENTRYPOINT), "--help").stdout
    for role in ROLES:
        assert f" {role}" in help_text
    unknown = run("bash", str(ENTRYPOINT), "trader-bot", check=False)
    assert unknown.returncode == 2
    assert "unknown role 'trader-bot'" in unknown.stderr


def test_every_workbench_command_of_the_entrypoint_exists() -> None:
    """Each role's `workbench ...` command line parses: its --help answers."""
    commands = set(re.findall(r"exec workbench ([a-z-]+(?: [a-z-]+)?)", ENTRYPOINT.read_text()))
    assert {"serve api", "serve dashboards", "exchange serve", "db upgrade"} <= commands
    workbench = str(REPO / ".venv" / "bin" / "workbench")
    for command in sorted(commands):
        answer = run(workbench, *command.split(), "--help", check=False)
        assert answer.returncode == 0, f"workbench {command} --help: {answer.stderr}"


def test_the_healthcheck_fails_when_nothing_listens() -> None:
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "WB_ROLE_FILE": "/nonexistent",
        "WB_ROLE": "api",
        "WB_API__PORT": str(free_port()),
    }
    answer = run("bash", str(ENTRYPOINT), "healthcheck", check=False, env=env)
    assert answer.returncode == 1
    assert "healthcheck:" in answer.stderr
