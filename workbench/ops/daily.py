"""The daily job, what ``make run`` does on the embedded default.

Today: make sure the lake holds data (load the bundled sample into an empty lake), then report
coverage and data quality. Later issues extend it with a replayed trading session and a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from workbench.data import QualityReport
from workbench.ops import data as data_ops

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["DailySummary", "run_daily"]


@dataclass(frozen=True)
class DailySummary:
    home: str
    loaded_sample: bool
    rows_loaded: int
    #: what loading the sample left out, one message per error rule (empty when nothing loaded)
    rows_left_out: list[str]
    coverage: pd.DataFrame
    quality: list[QualityReport]
    ledger_revision: str | None


def run_daily(rt: Runtime, progress: Callable[[int, int, str], None] | None = None) -> DailySummary:
    loaded = rt.data.is_empty()
    load = data_ops.load_sample(rt, progress) if loaded else None
    left_out = [
        f"{report.dataset} {issue.message}"
        for report in (load.reports if load else [])
        for issue in report.quality.errors
    ]
    coverage = rt.data.coverage()
    reports = [rt.data.quality(dataset) for dataset in rt.data.datasets()]
    return DailySummary(
        home=str(rt.settings.home),
        loaded_sample=loaded,
        rows_loaded=load.written if load else 0,
        rows_left_out=left_out,
        coverage=coverage,
        quality=reports,
        ledger_revision=rt.ledger.current(),
    )
