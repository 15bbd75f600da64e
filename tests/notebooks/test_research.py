"""The research notebooks run top to bottom through papermill, on a real kernel."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.slow
def test_lake_tour_runs_and_records_what_it_saw(tmp_path: Path, wb_home: Path) -> None:
    import papermill

    summary = tmp_path / "summary.json"
    papermill.execute_notebook(
        str(NOTEBOOKS / "research" / "01_lake_tour.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={
            "symbols": ["AAPL", "SPY"],
            "start": "2017-08-01",
            "end": "2017-08-31",
            "summary_path": str(summary),
        },
        kernel_name="python3",
        progress_bar=False,
    )
    seen = json.loads(summary.read_text())
    assert seen["symbols"] == ["AAPL", "SPY"]
    assert seen["rows"] == 23  # trading sessions in August 2017
    assert seen["last_close"]["AAPL"] == pytest.approx(164.0)  # the source file's 2017-08-31 close
    assert (wb_home / "lake" / "bars_1d").is_dir(), "the notebook loaded the sample into WB_HOME"


def test_every_notebook_has_one_parameters_cell_and_no_outputs() -> None:
    for path in NOTEBOOKS.rglob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged parameters"
        outputs = [c for c in notebook.cells if c.cell_type == "code" and c.get("outputs")]
        assert not outputs, f"{path.name} is committed with outputs"
