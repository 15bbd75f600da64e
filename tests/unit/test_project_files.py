"""Files around the package that must stay true to it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml

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
