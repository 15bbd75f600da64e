"""An XLSX workbook: a summary sheet of headline figures, then one sheet per table with typed
cells (numbers stay numbers, dates stay dates), number formats and a frozen header row.

Excel has no time zones: a zone-aware timestamp is written as naive UTC, and its column header
says so. Text is always text: a client order id or strategy name such as ``=HYPERLINK(...)`` is
written as a string cell with Excel's quote prefix, never as a formula."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.core.outputs import atomic_file
from workbench.reporting.model import Report, Table, ValueFormat
from workbench.reporting.renderers.cells import FORMULA_STARTS

__all__ = ["NUMBER_FORMATS", "render_xlsx", "write_xlsx"]

NUMBER_FORMATS: dict[ValueFormat, str] = {
    "number": "#,##0.0000",
    "integer": "#,##0",
    "percent": "0.00%",
    "ratio": "0.00",
    "money": "#,##0.00",
    "bps": '0.0 "bp"',
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "text": "General",
}
_SHEET_NAME = 31  # Excel's limit


def write_xlsx(report: Report, out: Path, *, force: bool = False) -> Path:
    with atomic_file(out, force=force) as temporary:
        render_xlsx(report).save(temporary)
    return Path(out).expanduser().absolute()


def render_xlsx(report: Report) -> Any:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "summary"
    _append(summary, [report.title])
    summary["A1"].font = Font(bold=True, size=14)
    _append(summary, [report.subtitle])
    _append(summary, ["generated", report.generated_at.replace(tzinfo=None)])
    summary["B3"].number_format = NUMBER_FORMATS["datetime"]
    _append(summary, ["kind", report.kind])
    for key, value in report.params.items():
        _append(summary, [f"param {key}", _cell(value)])
    summary.append([])
    _append(summary, ["section", "metric", "label", "value", "shown as"])
    header_row = summary.max_row
    for cell in summary[header_row]:
        cell.font = Font(bold=True)
    for section, metric in report.metrics():
        _append(
            summary, [section.key, metric.key, metric.label, _cell(metric.value), metric.display]
        )
        summary.cell(summary.max_row, 4).number_format = NUMBER_FORMATS[metric.format]
    summary.freeze_panes = summary.cell(header_row + 1, 1)
    _widths(summary, [14, 26, 30, 16, 16])
    names = {"summary"}
    for table in report.tables():
        _sheet(workbook, table, _unique(table.key, names))
    return workbook


def _sheet(workbook: Any, table: Table, name: str) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(name)
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    zoned = {c for c in columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)}
    _append(sheet, [f"{c} (UTC)" if c in zoned else c for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = [NUMBER_FORMATS[table.format_of(c)] for c in columns]
    for values in frame.itertuples(index=False, name=None):
        _append(sheet, [_cell(v) for v in values])
        for index, number_format in enumerate(formats, start=1):
            if number_format != "General":
                sheet.cell(sheet.max_row, index).number_format = number_format
    sheet.freeze_panes = "A2"
    _widths(sheet, [max(10, min(40, len(c) + 4)) for c in columns])


def _append(sheet: Any, values: list[Any]) -> None:
    """One row; text that a spreadsheet would read as a formula stays text."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # openpyxl took a leading = for a formula
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def _cell(value: Any) -> Any:
    """A value openpyxl writes with its type: numbers, dates, text; None for a gap."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        stamp = value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
        return stamp.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else _utc_naive(value)
    if isinstance(value, date | str | bool | int):
        return value
    if hasattr(value, "item"):
        return _cell(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def _utc_naive(value: datetime) -> datetime:
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None).to_pydatetime()


def _widths(sheet: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _unique(key: str, taken: set[str]) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in key)[:_SHEET_NAME]
    candidate, number = name, 2
    while candidate.lower() in taken:
        suffix = f"_{number}"
        candidate, number = name[: _SHEET_NAME - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate
