"""The daily-report workflow notebook runs through papermill on a real kernel, writes the
report of the paper session it is given and records it in the ledger."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.notebooks.conftest import ROOT, RunNotebook
from workbench.core.config import load_settings
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("REP-02")


def write_paper_session(home: Path) -> None:
    path = ROOT / "tests" / "integration" / "reporting" / "paper_session.py"
    spec = importlib.util.spec_from_file_location("notebook_paper_session", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    with Runtime.from_settings(load_settings(home=home, **module.session_settings())) as runtime:
        module.write_paper_session(runtime)
        runtime.data.close()


@pytest.mark.slow
def test_daily_report_notebook_writes_and_records_the_report(
    run_notebook: RunNotebook, tmp_path: Path, sample_home: Path
) -> None:
    wb_home = sample_home
    write_paper_session(wb_home)
    out = tmp_path / "daily.html"
    made = run_notebook("workflows/daily_report.ipynb", run_id=1, out=str(out))
    assert made["kind"] == "daily" and made["format"] == "html" and made["run_id"] == 1
    assert made["path"] == str(out) and "Daily report" in out.read_text()
    with Runtime.from_settings(load_settings(home=wb_home)) as runtime:
        from workbench.ops import report

        assert [r.id for r in report.reports(runtime)] == [made["id"]]
