"""``ops.daily.run_pipeline`` keeps what it runs under ``<home>/runs/daily/`` whole or not at
all: two one-cell notebooks on the real workbench kernel, one that records, one that raises."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from workbench.core.errors import WorkbenchError
from workbench.ops.daily import run_pipeline

pytestmark = pytest.mark.requirement("INT-08")


def _notebook(path: Path, body: str) -> Path:
    parameters = nbformat.v4.new_code_cell("sessions = 1\nsummary_path = None")
    parameters.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(body)])
    notebook.metadata["kernelspec"] = {
        "name": "workbench",
        "display_name": "Workbench",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def test_a_completed_run_keeps_its_notebook_and_summary(wb_home: Path, tmp_path: Path) -> None:
    source = _notebook(
        tmp_path / "records.ipynb",
        "import json, os\n"
        "json.dump({'sessions': sessions, 'home': os.environ['WB_HOME']}, open(summary_path, 'w'))",
    )
    done = run_pipeline(sessions=7, notebook=source)
    assert done.summary == {"sessions": 7, "home": str(wb_home)}
    kept = sorted(p.name for p in (wb_home / "runs" / "daily").iterdir())
    assert kept == [Path(done.notebook).name, Path(done.summary_path).name]
    assert kept[0].startswith("records-") and kept[0].endswith(".ipynb")
    assert json.loads(Path(done.summary_path).read_text()) == done.summary
    executed = nbformat.read(done.notebook, as_version=4)
    assert executed.cells[1].metadata["tags"] == ["injected-parameters"]
    assert (Path(done.notebook).stat().st_mode & 0o777) == 0o600


def test_a_failed_run_is_one_error_and_keeps_only_the_failed_notebook(
    wb_home: Path, tmp_path: Path
) -> None:
    source = _notebook(tmp_path / "breaks.ipynb", "raise ValueError('the lake is on fire')")
    with pytest.raises(WorkbenchError) as raised:
        run_pipeline(notebook=source)
    message = raised.value.message
    assert "failed in cell" in message and "ValueError: the lake is on fire" in message
    kept = list((wb_home / "runs" / "daily").iterdir())
    assert len(kept) == 1 and kept[0].name.endswith(".failed.ipynb")
    assert str(kept[0]) in message
    failed = nbformat.read(kept[0], as_version=4)
    assert any(output.get("ename") == "ValueError" for output in failed.cells[-1].outputs)


def test_a_notebook_papermill_cannot_run_is_one_error_and_leaves_nothing(
    wb_home: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not a notebook")
    with pytest.raises(WorkbenchError, match=r"the daily pipeline did not run: .*no notebook was"):
        run_pipeline(notebook=broken)
    assert list((wb_home / "runs" / "daily").iterdir()) == []


def test_sessions_must_be_positive(wb_home: Path) -> None:
    with pytest.raises(WorkbenchError, match="--sessions must be at least 1, got 0"):
        run_pipeline(sessions=0)
    assert not (wb_home / "runs").exists()


def test_sigterm_during_a_run_keeps_the_notebook_as_failed(wb_home: Path, tmp_path: Path) -> None:
    source = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    runner = (
        "from pathlib import Path; from workbench.ops.daily import run_pipeline; "
        f"run_pipeline(notebook=Path({str(source)!r}))"
    )
    process = subprocess.Popen([sys.executable, "-c", runner], stderr=subprocess.PIPE, text=True)
    daily = wb_home / "runs" / "daily"
    deadline = time.monotonic() + 120
    while not (daily.is_dir() and any(daily.glob(".*.partial.ipynb"))):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    kept = [p.name for p in daily.iterdir()]
    assert len(kept) == 1 and kept[0].endswith(".failed.ipynb"), kept
