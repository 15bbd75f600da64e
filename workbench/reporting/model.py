"""The report model: plain data that every renderer draws, so each format shows the same numbers.

A ``Report`` is a list of ``Section``s; a section holds headline ``Metric``s, ``Table``s (a frame
with a display format per column) and ``Chart``s (the series themselves, not a figure: each
renderer draws them with its own library). Values stay full precision in the model; formats
decide only how a renderer shows them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd

from workbench.core.errors import DataError

__all__ = [
    "Chart",
    "ChartKind",
    "ChartSeries",
    "Metric",
    "MetricValue",
    "Report",
    "Section",
    "Table",
    "ValueFormat",
    "format_value",
]

ValueFormat = Literal[
    "number", "integer", "percent", "ratio", "money", "bps", "text", "date", "datetime"
]
ChartKind = Literal["line", "area", "bar", "heatmap"]
MetricValue = float | int | str | None
MISSING = "n/a"


def format_value(value: Any, kind: ValueFormat) -> str:
    """How every renderer shows ``value``: one rule, so HTML, PDF and the CLI agree."""
    if _absent(value):
        return MISSING
    if kind in ("date", "datetime") or isinstance(value, datetime | date | pd.Timestamp):
        return _moment(value, kind)
    if isinstance(value, str) or kind == "text":
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = float(value)
    if kind == "percent":
        return f"{number * 100:,.2f}%"
    if kind == "ratio":
        return f"{number:,.2f}"
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "bps":
        return f"{number:,.1f} bp"
    if kind == "integer":
        return f"{round(number):,d}"
    return f"{number:,.4f}".rstrip("0").rstrip(".")


def _absent(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def _moment(value: Any, kind: ValueFormat) -> str:
    stamp = pd.Timestamp(value)
    if kind == "datetime" and (stamp.hour or stamp.minute or stamp.second):
        return stamp.strftime("%Y-%m-%d %H:%M")
    return stamp.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: MetricValue
    format: ValueFormat = "number"

    @property
    def display(self) -> str:
        return format_value(self.value, self.format)


@dataclass(frozen=True)
class Table:
    """``frame``'s columns are the table's columns (its index is not shown); ``formats`` names
    the display format of a column, text when absent. ``key`` names the file or sheet."""

    key: str
    title: str
    frame: pd.DataFrame
    formats: Mapping[str, ValueFormat] = field(default_factory=dict)
    note: str = ""

    def format_of(self, column: str) -> ValueFormat:
        return self.formats.get(column, "text")

    def display_rows(self) -> list[list[str]]:
        columns = [str(c) for c in self.frame.columns]
        return [
            [format_value(_scalar(v), self.format_of(c)) for c, v in zip(columns, row, strict=True)]
            for row in self.frame.itertuples(index=False, name=None)
        ]


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """``x`` labels the points (dates or text); a heatmap's series are its rows, top first."""

    key: str
    title: str
    kind: ChartKind
    x: tuple[Any, ...]
    series: tuple[ChartSeries, ...]
    y_format: ValueFormat = "number"

    @classmethod
    def from_frame(
        cls,
        key: str,
        title: str,
        frame: pd.DataFrame,
        *,
        kind: ChartKind = "line",
        y_format: ValueFormat = "number",
    ) -> Chart:
        """One series per column of ``frame``, its index as ``x``; NaN becomes a gap."""
        series = tuple(
            ChartSeries(str(name), tuple(_point(v) for v in frame[name].tolist()))
            for name in frame.columns
        )
        x = tuple(_scalar(v) for v in frame.index.tolist())
        return cls(key, title, kind, x, series, y_format)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    metrics: tuple[Metric, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """``params`` are what the report was asked for (recorded with it in the ledger)."""

    kind: str
    title: str
    generated_at: datetime
    sections: tuple[Section, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    subtitle: str = ""

    def __post_init__(self) -> None:
        keys = [table.key for table in self.tables()]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise DataError(f"report {self.kind!r} has two tables named {', '.join(twice)}")

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> Table:
        for table in self.tables():
            if table.key == key:
                return table
        raise DataError(f"report {self.kind!r} has no table {key!r}")

    def metrics(self) -> Iterator[tuple[Section, Metric]]:
        for section in self.sections:
            for metric in section.metrics:
                yield section, metric

    def metric(self, key: str, section: str | None = None) -> Metric:
        for owner, metric in self.metrics():
            if metric.key == key and section in (None, owner.key):
                return metric
        raise DataError(f"report {self.kind!r} has no metric {key!r}")

    def metrics_table(self) -> Table:
        """Every headline metric as one table: numbers in ``value``, text in ``text``."""
        rows = [
            {
                "section": section.key,
                "metric": metric.key,
                "label": metric.label,
                "value": _number(metric.value),
                "text": metric.value if isinstance(metric.value, str) else None,
                "format": metric.format,
            }
            for section, metric in self.metrics()
        ]
        columns = ["section", "metric", "label", "value", "text", "format"]
        frame = pd.DataFrame(rows, columns=columns).astype({"value": "float64"})
        return Table("metrics", "Headline metrics", frame, {"value": "number"})


def _number(value: MetricValue) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)


def _point(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _scalar(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):
        return value.item()
    return value
