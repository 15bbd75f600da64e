"""Each research and workflow notebook has a jupytext-paired ``.py`` (percent format) beside it,
for review in diffs, kept in step with the notebook: same cells, same kernel."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

from tests.notebooks.conftest import KERNEL, NOTEBOOKS

pytestmark = pytest.mark.requirement("INT-07")

PAIRED = sorted([*NOTEBOOKS.glob("research/*.ipynb"), *NOTEBOOKS.glob("workflows/*.ipynb")])


def cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    return [
        (cell.cell_type, cell.source.strip(), sorted(cell.metadata.get("tags", [])))
        for cell in notebook.cells
    ]


def test_there_are_notebooks_to_check() -> None:
    names = {path.stem for path in PAIRED}
    assert {"01_lake_tour", "daily_pipeline", "daily_report", "parity_check"} <= names


@pytest.mark.parametrize("path", PAIRED, ids=lambda path: path.stem)
def test_notebook_and_its_percent_script_hold_the_same_cells(path: Path) -> None:
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired {script.name}: jupytext --sync it"
    notebook = nbformat.read(path, as_version=4)
    paired = jupytext.read(script, fmt="py:percent")
    assert cells(paired) == cells(notebook), (
        f"{path.name} and {script.name} differ: run `jupytext --sync {path}`"
    )
    assert notebook.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert notebook.metadata["kernelspec"]["name"] == KERNEL
    assert paired.metadata["kernelspec"]["name"] == KERNEL
