"""CSV, JSON and Parquet: the report's tables as data.

JSON is one document: the report with its metrics, tables (columns and rows), charts (their
series) and notes, its values by the plain-value policy of ``workbench.model.plain`` (Decimals
as exact strings, aware times in UTC, NaN as null). CSV and Parquet write a folder with one file
per table plus ``metrics.<ext>``; ``write_table`` writes a single table to one file (ledger
exports). A CSV text cell a spreadsheet would run as a formula is neutralised
(``renderers.cells``)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.core.outputs import atomic_file, atomic_folder
from workbench.model.plain import to_plain
from workbench.reporting.model import Chart, Report, Table
from workbench.reporting.renderers.cells import neutralised

__all__ = [
    "TABLE_FORMATS",
    "frame_records",
    "plain_frame",
    "report_document",
    "write_folder",
    "write_json",
    "write_table",
]

TABLE_FORMATS = ("csv", "json", "parquet")


def write_json(report: Report, out: Path, *, force: bool = False) -> Path:
    with atomic_file(out, force=force) as temporary:
        temporary.write_text(json.dumps(report_document(report), indent=1), encoding="utf-8")
    return Path(out).expanduser().absolute()


def write_folder(report: Report, out: Path, fmt: str, *, force: bool = False) -> Path:
    """One ``<table>.csv`` (or ``.parquet``) per table, and the headline metrics, in a folder
    marked as the workbench's (see ``workbench.core.outputs``)."""
    writer = _writer(fmt)
    with atomic_folder(out, force=force) as folder:
        for table in (report.metrics_table(), *report.tables()):
            writer(plain_frame(table.frame), folder / f"{table.key}.{fmt}")
    return Path(out).expanduser().absolute()


def write_table(frame: pd.DataFrame, out: Path, fmt: str, *, force: bool = False) -> Path:
    """One table to one file in ``fmt`` (csv, json: a list of records, parquet)."""
    if fmt == "json":
        with atomic_file(out, force=force) as temporary:
            temporary.write_text(json.dumps(frame_records(frame), indent=1), encoding="utf-8")
    else:
        writer = _writer(fmt)
        with atomic_file(out, force=force) as temporary:
            writer(plain_frame(frame), temporary)
    return Path(out).expanduser().absolute()


def report_document(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "title": report.title,
        "subtitle": report.subtitle,
        "generated_at": to_plain(report.generated_at),
        "params": to_plain(dict(report.params)),
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "metrics": [
                    {
                        "key": m.key,
                        "label": m.label,
                        "value": to_plain(m.value),
                        "format": m.format,
                        "display": m.display,
                    }
                    for m in section.metrics
                ],
                "tables": [_table_document(t) for t in section.tables],
                "charts": [_chart_document(c) for c in section.charts],
                "notes": list(section.notes),
            }
            for section in report.sections
        ],
    }


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): to_plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet and CSV can hold: Decimals as floats, enums and mixed objects as text."""
    plain = frame.reset_index(drop=True).copy()
    plain.columns = [str(c) for c in plain.columns]
    for column in plain.columns:
        series = plain[column]
        if series.dtype != object:
            continue
        present = series.dropna()
        if present.map(lambda v: isinstance(v, Decimal)).all() and len(present):
            plain[column] = series.map(lambda v: None if v is None else float(v)).astype("float64")
        elif not present.map(lambda v: isinstance(v, str)).all():
            plain[column] = series.map(lambda v: None if _absent(v) else _text(v))
    return plain


def _table_document(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "columns": [str(c) for c in table.frame.columns],
        "formats": {str(c): table.format_of(str(c)) for c in table.frame.columns},
        "rows": frame_records(table.frame),
        "note": table.note,
    }


def _chart_document(chart: Chart) -> dict[str, Any]:
    return {
        "key": chart.key,
        "title": chart.title,
        "kind": chart.kind,
        "y_format": chart.y_format,
        "x": [to_plain(v) for v in chart.x],
        "series": [{"name": s.name, "values": to_plain(list(s.values))} for s in chart.series],
    }


def _writer(fmt: str) -> Callable[[pd.DataFrame, Path], None]:
    if fmt == "csv":
        # CRLF rows (RFC 4180): the csv module then quotes a cell holding a lone carriage
        # return, which would otherwise start a new row in a spreadsheet
        return lambda frame, path: neutralised(frame).to_csv(
            path, index=False, lineterminator="\r\n"
        )
    if fmt == "parquet":
        return lambda frame, path: frame.to_parquet(path, index=False)
    raise ValueError(f"no table writer for {fmt!r}")


def _absent(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(to_plain(value))
    return str(value.value) if isinstance(value, Enum) else str(value)
