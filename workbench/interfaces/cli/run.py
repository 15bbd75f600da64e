"""``workbench run``: the daily job on the configured defaults."""

from __future__ import annotations

from typing import Any

from workbench.interfaces.cli import _render
from workbench.interfaces.cli._common import JsonOption, console, emit, open_runtime, progress_bar


def run(as_json: JsonOption = False) -> None:
    from workbench.ops.daily import run_daily

    with progress_bar(not as_json) as progress:
        summary = run_daily(open_runtime(), progress)
    payload = {
        "home": summary.home,
        "loaded_sample": summary.loaded_sample,
        "rows_loaded": summary.rows_loaded,
        "rows_left_out": summary.rows_left_out,
        "ledger_revision": summary.ledger_revision,
        "coverage": summary.coverage,
        "quality": [q.to_dict() for q in summary.quality],
        "trading": None if summary.trading is None else summary.trading.to_dict(),
        "parity": summary.parity,
        "report": summary.report_path,
    }
    emit(payload, as_json, lambda _: _print(summary))


def _print(summary: Any) -> None:
    console.print(
        f"[bold]Workbench home[/]: {summary.home}  (ledger at revision {summary.ledger_revision})"
    )
    if summary.loaded_sample:
        console.print(f"Loaded the bundled sample: {summary.rows_loaded:,} bars.")
        for message in summary.rows_left_out:
            console.print(f"  [yellow]left out[/] {message}", highlight=False)
    cov = summary.coverage
    by_dataset = cov.groupby("dataset").agg(
        symbols=("symbol", "count"),
        rows=("rows", "sum"),
        first=("first", "min"),
        last=("last", "max"),
    )
    _render.table(
        "Lake coverage",
        ["dataset", "symbols", "rows", "first", "last"],
        [
            (d, *r)
            for d, r in zip(by_dataset.index, by_dataset.itertuples(index=False), strict=True)
        ],
    )
    for report in summary.quality:
        _render.quality(report)
    if summary.trading is not None:
        from workbench.interfaces.cli import _render_trade

        console.print()
        console.print(
            f"[bold]A replayed paper trading run[/]: {summary.trading.strategy} on "
            f"{', '.join(summary.trading.symbols)}",
            highlight=False,
        )
        _render_trade.run_summary(summary.trading.to_dict())
        console.print("[bold]Parity with its backtest[/]:")
        for line in summary.parity or []:
            console.print(f"  {line}", highlight=False)
        console.print(
            f"Orders: `workbench trade orders --run {summary.trading.run_id}`; the trades "
            f"compared: `workbench trade parity --run {summary.trading.run_id}`",
            highlight=False,
        )
    if summary.report_path is not None:
        console.print(f"[bold]Daily report[/]: {summary.report_path}", highlight=False)
