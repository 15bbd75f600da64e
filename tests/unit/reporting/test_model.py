"""The report model: one display rule for every renderer, unique table keys, metrics as a
table, charts from frames."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from workbench.core.errors import DataError
from workbench.reporting import Chart, Metric, Report, Section, Table, format_value

pytestmark = pytest.mark.requirement("REP-01")


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.12345, "percent", "12.35%"),
        (-0.0785, "percent", "-7.85%"),
        (1.4215, "ratio", "1.42"),
        (1234567.891, "money", "1,234,567.89"),
        (7.123, "bps", "7.1 bp"),
        (1234.0, "integer", "1,234"),
        (0.5, "number", "0.5"),
        (2.0, "number", "2"),
        (float("nan"), "percent", "n/a"),
        (None, "money", "n/a"),
        (pd.NA, "integer", "n/a"),
        (pd.NaT, "date", "n/a"),
        (pd.Timestamp("2017-10-02 13:31", tz="UTC"), "datetime", "2017-10-02 13:31"),
        (date(2017, 10, 2), "date", "2017-10-02"),
        ("filled", "text", "filled"),
    ],
)
def test_format_value(value: object, kind: str, shown: str) -> None:
    assert format_value(value, kind) == shown  # type: ignore[arg-type]


def _report(*tables: Table) -> Report:
    return Report(
        kind="test",
        title="t",
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        sections=(
            Section("a", "A", metrics=(Metric("sharpe", "Sharpe", 1.5, "ratio"),), tables=tables),
            Section("b", "B", metrics=(Metric("state", "State", "open", "text"),)),
        ),
    )


def test_two_tables_with_one_key_are_refused() -> None:
    frame = pd.DataFrame({"x": [1]})
    with pytest.raises(DataError, match="two tables named orders"):
        _report(Table("orders", "one", frame), Table("orders", "two", frame))


def test_metrics_table_keeps_numbers_and_text_apart() -> None:
    table = _report().metrics_table().frame
    assert list(table["metric"]) == ["sharpe", "state"]
    assert table["value"].dtype == "float64" and table["value"].iloc[0] == 1.5
    assert np.isnan(table["value"].iloc[1]) and table["text"].iloc[1] == "open"


def test_lookups_name_what_is_missing() -> None:
    built = _report(Table("orders", "Orders", pd.DataFrame({"x": [1]})))
    assert built.metric("sharpe").display == "1.50"
    assert built.table("orders").title == "Orders"
    with pytest.raises(DataError, match="has no metric 'sortino'"):
        built.metric("sortino")
    with pytest.raises(DataError, match="has no table 'fills'"):
        built.table("fills")


def test_chart_from_frame_keeps_gaps_as_none() -> None:
    index = pd.DatetimeIndex(["2017-01-03", "2017-01-04", "2017-01-05"])
    frame = pd.DataFrame({"sharpe": [np.nan, 1.0, 2.5]}, index=index)
    chart = Chart.from_frame("rolling", "Rolling", frame)
    assert chart.series[0].name == "sharpe"
    assert chart.series[0].values == (None, 1.0, 2.5)
    assert chart.x[0] == pd.Timestamp("2017-01-03")


def test_display_rows_format_each_column() -> None:
    frame = pd.DataFrame({"symbol": ["AAPL"], "weight": [0.25], "qty": [pd.NA]})
    table = Table("t", "T", frame.astype({"qty": "Int64"}), {"weight": "percent", "qty": "integer"})
    assert table.display_rows() == [["AAPL", "25.00%", "n/a"]]
