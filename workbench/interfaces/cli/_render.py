"""Rich renderings of engine results for people (``--json`` bypasses all of this)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from workbench.interfaces.cli._common import console

__all__ = ["bars", "coverage", "ingests", "quality", "table"]

NEW_YORK = ZoneInfo("America/New_York")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    view = Table(title=title, title_justify="left")
    for column in columns:
        view.add_column(
            column,
            justify="left"
            if column in ("dataset", "symbol", "rule", "message", "setting", "value")
            else "right",
        )
    for row in rows:
        view.add_row(*[_cell(v) for v in row])
    console.print(view)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if hasattr(value, "strftime"):
        if getattr(value, "tzinfo", None) is not None:
            value = value.astimezone(NEW_YORK)  # market data is read in exchange time
        midnight = not (getattr(value, "hour", 0) or getattr(value, "minute", 0))
        return str(value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M"))
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def ingests(reports: Sequence[Any]) -> None:
    rows = [
        (
            r.dataset,
            r.quality.rows_in,
            r.new,
            r.replaced,
            r.unchanged,
            r.conflicting,
            r.quality.rows_rejected,
            len(r.quality.warnings),
        )
        for r in reports
    ]
    table(
        "Ingest",
        [
            "dataset",
            "rows in",
            "new",
            "replaced",
            "unchanged",
            "conflicting",
            "rejected",
            "warnings",
        ],
        rows,
    )
    for report in reports:
        for issue in report.quality.issues:
            style = "red" if issue.severity == "error" else "yellow"
            console.print(f"  [{style}]{issue.severity}[/] {report.dataset} {issue.message}")


def coverage(rows: Sequence[Any]) -> None:
    """``workbench.data.catalog.Coverage`` rows."""
    if not rows:
        console.print("The lake is empty: run [bold]workbench data load-sample[/].")
        return
    table(
        "Lake coverage",
        ["dataset", "symbol", "first", "last", "rows", "missing sessions"],
        [(r.dataset, r.symbol, r.first, r.last, r.rows, r.missing_sessions) for r in rows],
    )


def bars(symbol: str, frame: Any) -> None:
    from workbench.ops.data import BAR_COLUMNS

    columns = ["timestamp", *BAR_COLUMNS]
    table(f"{symbol} bars", columns, list(frame[columns].itertuples(index=False)))


def quality(report: Any) -> None:
    console.print(
        f"[bold]{report.dataset}[/]: {report.rows_in:,} rows, "
        f"{len(report.errors)} error rule(s), {len(report.warnings)} warning rule(s)"
    )
    rows = [(i.rule, i.severity, i.count, i.message) for i in report.issues]
    if rows:
        table("Data quality", ["rule", "severity", "count", "message"], rows)
