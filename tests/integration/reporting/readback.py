"""Read a rendered report back, format by format: the headline metrics and one table, as a
program opening the file would see them (HTML parsed, PDF text extracted with pypdf, XLSX
re-read with openpyxl, CSV/Parquet folders and the JSON document loaded)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd


class _ReportHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.metrics: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.sources: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._raw: str | None = None
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.sources.append(str(found[name]))
        if tag == "div" and "metric" in (found.get("class") or "").split():
            self.metrics[str(found["data-key"])] = str(found.get("data-value") or "")
        elif tag == "table":
            self._table = found.get("data-key")
            self.tables[str(self._table)], self.headers[str(self._table)] = [], []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell, self._raw, self._in_th = [], found.get("data-value"), tag == "th"

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            value = self._raw if self._raw is not None else "".join(self._cell)
            if self._in_th:
                self.headers[self._table].append(value)
            else:
                self.tables[self._table][-1].append(value)
            self._cell = None
        elif tag == "table":
            self.tables[str(self._table)] = [r for r in self.tables[str(self._table)] if r]
            self._table = None


def parse_html(path: Path) -> _ReportHtml:
    parser = _ReportHtml()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def metrics(path: Path, fmt: str) -> dict[str, Any]:
    """Metric key -> value (a float where the metric is a number; text for PDF)."""
    if fmt == "html":
        return {k: _number(v) for k, v in parse_html(path).metrics.items()}
    if fmt == "pdf":
        return {"text": pdf_text(path)}
    if fmt == "xlsx":
        return _xlsx_metrics(path)
    if fmt == "json":
        document = json.loads(path.read_text())
        return {m["key"]: m["value"] for s in document["sections"] for m in s["metrics"]}
    frame = (
        pd.read_csv(path / "metrics.csv")
        if fmt == "csv"
        else pd.read_parquet(path / "metrics.parquet")
    )
    return {
        row["metric"]: row["value"] if pd.notna(row["value"]) else row["text"]
        for row in frame.to_dict(orient="records")
    }


def table(path: Path, fmt: str, key: str) -> list[dict[str, Any]]:
    """Rows of table ``key`` as dicts (numbers as floats), for every format but PDF."""
    if fmt == "html":
        parsed = parse_html(path)
        columns = parsed.headers[key]
        return [
            {c: _number(v) for c, v in zip(columns, row, strict=True)} for row in parsed.tables[key]
        ]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path)[key]
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    if fmt == "json":
        document = json.loads(path.read_text())
        found = [t for s in document["sections"] for t in s["tables"] if t["key"] == key]
        return list(found[0]["rows"])
    frame = (
        pd.read_csv(path / f"{key}.csv")
        if fmt == "csv"
        else pd.read_parquet(path / f"{key}.parquet")
    )
    return list(frame.to_dict(orient="records"))


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _xlsx_metrics(path: Path) -> dict[str, Any]:
    from openpyxl import load_workbook

    sheet = load_workbook(path)["summary"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[:2] == ("section", "metric"))
    return {row[1]: row[3] for row in rows[start + 1 :]}


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text
