"""The daily job, what ``make run`` does on the embedded default.

It runs ``notebooks/workflows/daily_pipeline.ipynb`` through papermill on the workbench kernel:
load the bundled sample into an empty lake, validate, analyse, take the strategy's signals, pass
them through the risk gate, trade a replayed paper run of about six months (``DAILY_SESSIONS``),
evaluate the monitoring rules over it, compare it with its backtest and write the daily HTML
report. The executed notebook is kept under ``<home>/runs/daily/`` (beside the folders of the
runs themselves, ``<home>/runs/<run id>/``) with the JSON summary the notebook recorded; both
are written under a temporary name and renamed when complete, so a file there is never
half-written (a run that fails keeps its notebook as ``*.failed.ipynb``, the failing cell and
its error shown in it).

The kernel inherits this process's environment, so it opens the same settings and home.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from workbench.core.config import load_settings
from workbench.core.errors import WorkbenchError
from workbench.core.outputs import FILE_MODE, private_folder
from workbench.ops.dashboards import KERNEL_NAME, install_kernel

__all__ = [
    "DAILY_PARAMS",
    "DAILY_SESSIONS",
    "DAILY_STRATEGY",
    "DAILY_SYMBOLS",
    "PIPELINE_NOTEBOOK",
    "PipelineRun",
    "run_pipeline",
]

#: the replayed run of the daily job: monthly 12-1 momentum is too slow for a few months, so a
#: weekly rotation into the three strongest of twelve large caps over three months of returns
DAILY_STRATEGY = "momentum_rotation"
DAILY_PARAMS = {"top": 3, "lookback": 63, "skip": 5, "rebalance": "weekly"}
DAILY_SYMBOLS = (
    "AAPL",
    "MSFT",
    "AMZN",
    "JPM",
    "XOM",
    "JNJ",
    "WMT",
    "PG",
    "KO",
    "PFE",
    "INTC",
    "CSCO",
)
#: about six months of sessions: enough for the report's rolling charts, monthly table and
#: drawdowns to say something
DAILY_SESSIONS = 126

_PROJECT = Path(__file__).resolve().parents[2]
PIPELINE_NOTEBOOK = _PROJECT / "notebooks" / "workflows" / "daily_pipeline.ipynb"


@dataclass(frozen=True)
class PipelineRun:
    """One run of the pipeline notebook: where it ran, what it recorded, how long it took."""

    home: str
    #: the executed notebook, under ``<home>/runs/daily/``
    notebook: str
    #: the JSON summary the notebook recorded, beside it
    summary_path: str
    summary: dict[str, Any]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "home": self.home,
            "notebook": self.notebook,
            "summary_path": self.summary_path,
            "seconds": round(self.seconds, 1),
            **self.summary,
        }


def run_pipeline(
    *,
    sessions: int = DAILY_SESSIONS,
    notebook: Path | None = None,
    show_progress: bool = False,
) -> PipelineRun:
    """Run the daily pipeline notebook on the workbench kernel (installed into this environment
    first) and return what it recorded; a cell that raises is one WorkbenchError naming the
    cell, the error and the kept notebook."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if sessions < 1:
        raise WorkbenchError(f"--sessions must be at least 1, got {sessions}")
    source = notebook or PIPELINE_NOTEBOOK
    if not source.is_file():
        raise WorkbenchError(f"no pipeline notebook at {source}")
    home = load_settings().home
    runs = private_folder(home / "runs" / "daily")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    name = f"{source.stem}-{stamp}"
    final, partial = runs / f"{name}.ipynb", runs / f".{name}.partial.ipynb"
    summary, summary_partial = runs / f"{name}.json", runs / f".{name}.partial.json"
    install_kernel()
    started = time.perf_counter()
    try:
        with _terminate_as_exit():
            papermill.execute_notebook(
                str(source),
                str(partial),
                parameters={"sessions": sessions, "summary_path": str(summary_partial)},
                kernel_name=KERNEL_NAME,
                progress_bar=show_progress,
                cwd=str(runs),
            )
    except BaseException as error:
        failed = runs / f"{name}.failed.ipynb"
        kept = _keep(partial, failed)
        summary_partial.unlink(missing_ok=True)
        where = f"the executed notebook: {kept}" if kept else "no notebook was written"
        if isinstance(error, PapermillExecutionError):
            raise WorkbenchError(
                f"the daily pipeline failed in cell {error.exec_count}: {error.ename}: "
                f"{error.evalue} ({where})"
            ) from None
        if isinstance(error, Exception):  # the kernel died, the notebook is unreadable, ...
            raise WorkbenchError(
                f"the daily pipeline did not run: {type(error).__name__}: {error} ({where})"
            ) from error
        raise  # KeyboardInterrupt, SystemExit: what was written is kept as failed
    seconds = time.perf_counter() - started
    recorded: dict[str, Any] = json.loads(summary_partial.read_text())
    for written, place in ((summary_partial, summary), (partial, final)):
        os.chmod(written, FILE_MODE)
        os.replace(written, place)
    return PipelineRun(str(home), str(final), str(summary), recorded, seconds)


def _keep(partial: Path, failed: Path) -> Path | None:
    if not partial.is_file():
        return None
    os.chmod(partial, FILE_MODE)
    os.replace(partial, failed)
    return failed


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM raises SystemExit(143) meanwhile (it would otherwise end the process on the spot),
    so that the partial notebook is renamed as failed and papermill shuts its kernel down."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_now(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
