"""The daily job, what ``make run`` does on the embedded default.

Make sure the lake holds data (load the bundled sample into an empty lake), report coverage and
data quality, then trade one replayed paper run: the built-in ``momentum_rotation`` strategy
over the last sessions of the stock panel, through the risk gate, the OMS and the paper broker,
summarise its orders, fills, positions, P&L and the audit chain, compare it with its backtest
(parity), and write the daily HTML report of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from workbench.core.progress import Progress
from workbench.data import QualityReport
from workbench.ops import data as data_ops
from workbench.ops import trade_runs
from workbench.ops.parity import parity, parity_tables
from workbench.ops.report import daily_report
from workbench.ops.trade_runs import RunSummary

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["DAILY_PARAMS", "DAILY_STRATEGY", "DAILY_SYMBOLS", "DailySummary", "run_daily"]

#: the replayed run of the daily job: monthly 12-1 momentum is too slow for a few weeks, so a
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
DAILY_SESSIONS = 20


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
    trading: RunSummary | None = None
    #: the run's backtest/paper parity, in short
    parity: list[str] | None = None
    #: where the daily HTML report was written
    report_path: str | None = None


def run_daily(
    rt: Runtime,
    progress: Progress | None = None,
    *,
    trade: bool = True,
) -> DailySummary:
    loaded = rt.data.is_empty()
    load = data_ops.load_sample(rt, progress) if loaded else None
    left_out = [
        f"{report.dataset} {issue.message}"
        for report in (load.reports if load else [])
        for issue in report.quality.errors
    ]
    coverage = rt.data.coverage()
    reports = [rt.data.quality(dataset) for dataset in rt.data.datasets()]
    trading = None
    if trade:
        symbols = [s for s in DAILY_SYMBOLS if s in set(coverage["symbol"].astype(str))]
        done = [0]

        def advance(session: object, step: object, point: object) -> None:
            done[0] += 1
            if progress is not None:
                progress(done[0], DAILY_SESSIONS, "replaying a paper trading run")

        trading = trade_runs.paper_run(
            rt,
            DAILY_STRATEGY,
            symbols,
            params=DAILY_PARAMS,
            sessions=DAILY_SESSIONS,
            actor="daily-job",
            on_session=advance,
        )
    parity_lines, report_path = None, None
    if trading is not None:
        compared = parity(rt, trading.run_id)
        parity_lines = compared.explanations
        report = daily_report(
            rt,
            run_id=trading.run_id,
            extra_tables=parity_tables(compared),
            extra_notes=compared.explanations,
        )
        report_path = report.path
    return DailySummary(
        home=str(rt.settings.home),
        loaded_sample=loaded,
        rows_loaded=load.written if load else 0,
        rows_left_out=left_out,
        coverage=coverage,
        quality=reports,
        ledger_revision=rt.ledger.current(),
        trading=trading,
        parity=parity_lines,
        report_path=report_path,
    )
