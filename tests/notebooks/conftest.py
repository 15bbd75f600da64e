"""Notebook tests run each notebook through papermill on the ``workbench`` kernel, the one
``make kernel`` installs, so a fresh clone's ``make test`` needs nothing installed by hand: the
kernelspec is installed into this venv once per session."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "workbench"

RunNotebook = Callable[..., dict[str, Any]]


def install_kernel() -> str:
    """Install ``kernels/workbench`` into ``sys.prefix`` (the venv), as ``make kernel`` does,
    through the function ``workbench run`` and ``serve dashboards`` use (a file lock keeps
    xdist workers from replacing it under each other; an unchanged spec is left alone)."""
    from workbench.ops.dashboards import KERNEL_NAME
    from workbench.ops.dashboards import install_kernel as install

    install()
    return KERNEL_NAME


@pytest.fixture(scope="session")
def workbench_kernel() -> str:
    return install_kernel()


@pytest.fixture
def run_notebook(workbench_kernel: str, tmp_path: Path) -> RunNotebook:
    """Run a notebook (a path under ``notebooks/``, or absolute) with ``parameters`` on the workbench
    kernel and return the JSON summary it writes to ``summary_path``. A cell that raises
    fails the test with the cell and the error."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def run(relative: str | Path, **parameters: Any) -> dict[str, Any]:
        path = NOTEBOOKS / relative  # an absolute path stays itself
        summary = tmp_path / f"{path.stem}.json"
        out = tmp_path / f"{path.stem}.out.ipynb"
        try:
            papermill.execute_notebook(
                str(path),
                str(out),
                parameters={**parameters, "summary_path": str(summary)},
                kernel_name=workbench_kernel,
                progress_bar=False,
            )
        except PapermillExecutionError as error:
            trace = "\n".join(error.traceback)
            pytest.fail(
                f"{relative} raised in cell {error.cell_index} ({error.exec_count}):\n"
                f"{error.source}\n{error.ename}: {error.evalue}\n{trace}",
                pytrace=False,
            )
        result: dict[str, Any] = json.loads(summary.read_text())
        return result

    return run


def kernel_python() -> Path:
    """The interpreter the installed kernelspec launches: its ``argv[0]`` with
    ``{resource_dir}`` filled in, as jupyter_client does."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    return Path(os.path.normpath(spec.argv[0].replace("{resource_dir}", spec.resource_dir)))


def assert_records_close(seen: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Rows of plain values alike: text and None equal, numbers to 1e-9 relative."""
    assert len(seen) == len(expected)
    for got, want in zip(seen, expected, strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-9), key
            else:
                assert got[key] == value, key
