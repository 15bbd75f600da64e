"""Files around the package that must stay true to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.requirement("DEP-06")

ROOT = Path(__file__).resolve().parents[2]


def test_environment_yml_mirrors_pyproject_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(pip_section) == sorted(project["dependencies"])
    assert "python=3.11" in environment["dependencies"]


def test_binder_uses_the_same_environment() -> None:
    assert (ROOT / "binder" / "environment.yml").read_text() == (
        ROOT / "environment.yml"
    ).read_text()


def test_environment_python_is_the_one_pyproject_requires() -> None:
    from packaging.specifiers import SpecifierSet

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pinned = [
        d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")
    ]
    assert pinned == ["python=3.11"]
    assert "3.11.0" in SpecifierSet(project["requires-python"])
    assert "3.12.0" not in SpecifierSet(project["requires-python"])


def _commands(script: Path) -> list[str]:
    """The script's command lines, without comments and blank lines."""
    lines = (line.strip() for line in script.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_binder_post_build_installs_the_package_the_kernel_and_the_sample() -> None:
    script = ROOT / "binder" / "postBuild"
    assert os.access(script, os.X_OK), "repo2docker runs postBuild only when it is executable"
    commands = _commands(script)
    assert commands[0] == "set -euo pipefail"
    # the package without dependencies: environment.yml has them, pinned as pyproject says
    assert "python -m pip install --no-deps -e ." in commands
    # the kernel every notebook names, from the folder `make kernel` installs
    kernel = "jupyter kernelspec install kernels/workbench --sys-prefix"
    assert kernel in commands and (ROOT / "kernels" / "workbench" / "kernel.json").is_file()
    assert any(c.startswith("workbench data load-sample") for c in commands)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["workbench"], "postBuild and start call the workbench command"


@pytest.mark.system
def test_binder_start_loads_the_sample_and_hands_over_to_the_server(sample_home: Path) -> None:
    script = ROOT / "binder" / "start"
    assert os.access(script, os.X_OK), "repo2docker runs start only when it is executable"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(
        [str(script), "echo", "handed over"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "handed over\n"
    assert (sample_home / "lake" / "bars_1d" / "symbol=AAPL").is_dir()


def test_kernel_spec_runs_the_project_venv() -> None:
    spec = json.loads((ROOT / "kernels" / "workbench" / "kernel.json").read_text())
    python = (
        ROOT
        / ".venv/share/jupyter/kernels/workbench"
        / spec["argv"][0].replace("{resource_dir}/", "")
    )
    assert python.resolve() == (ROOT / ".venv" / "bin" / "python").resolve()


def test_readme_shows_the_two_commands_and_the_data_attribution() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
    assert "Data provided for free by IEX" in readme


def test_sample_provenance_travels_with_the_package() -> None:
    assert (ROOT / "workbench" / "data" / "sample" / "PROVENANCE.md").is_file()
