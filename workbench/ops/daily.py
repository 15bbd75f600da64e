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
    coverage: pd.DataFrame
    quality: list[QualityReport]
    ledger_revision: str | None


def run_daily(rt: Runtime, progress: Callable[[int, int, str], None] | None = None) -> DailySummary:
    loaded = rt.data.is_empty()
    rows = data_ops.load_sample(rt, progress).written if loaded else 0
    coverage = rt.data.coverage()
    reports = [rt.data.quality(dataset) for dataset in rt.data.datasets()]
    return DailySummary(
        home=str(rt.settings.home),
        loaded_sample=loaded,
        rows_loaded=rows,
        coverage=coverage,
        quality=reports,
        ledger_revision=rt.ledger.current(),
    )
