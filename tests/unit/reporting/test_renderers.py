"""Each renderer draws the same model: a small generated report (synthetic numbers, not market
data) in every format, read back."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.reporting import Chart, Metric, Report, Section, Table, render_report

pytestmark = pytest.mark.requirement("REP-01")


@pytest.fixture
def generated_report() -> Report:
    days = pd.bdate_range("2021-01-04", periods=80)
    rng = np.random.default_rng(7)
    equity = pd.DataFrame({"generated": 100 * np.cumprod(1 + rng.normal(0, 0.01, 80))}, days)
    rows = pd.DataFrame(
        {
            "date": days,
            "value": equity["generated"].to_numpy(),
            "change": equity["generated"].pct_change().to_numpy(),
            "filled_at": days.tz_localize("UTC"),
        }
    )
    heat = pd.DataFrame({"2021": [0.01, -0.02], "2022": [0.03, np.nan]}, index=["Jan", "Feb"])
    return Report(
        kind="generated",
        title="Generated data <script>",
        subtitle="synthetic",
        generated_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        params={"seed": 7},
        sections=(
            Section(
                "main",
                "Main",
                metrics=(
                    Metric("sharpe", "Sharpe ratio", 1.23456789, "ratio"),
                    Metric("drawdown", "Max drawdown", -0.0785, "percent"),
                    Metric("label", "Label", "synthetic", "text"),
                ),
                charts=(
                    Chart.from_frame("equity", "Equity", equity, y_format="money"),
                    Chart.from_frame("heat", "Heat", heat, kind="heatmap", y_format="percent"),
                    Chart.from_frame(
                        "bars", "Bars", pd.DataFrame({"w": [0.4, 0.6]}, ["A", "B"]), kind="bar"
                    ),
                ),
                tables=(
                    Table(
                        "series",
                        "Series",
                        rows,
                        {
                            "date": "date",
                            "value": "money",
                            "change": "percent",
                            "filled_at": "datetime",
                        },
                    ),
                ),
                notes=("A note.",),
            ),
        ),
    )


def test_html_is_self_contained_and_phone_ready(generated_report: Report, tmp_path: Path) -> None:
    path = render_report(generated_report, "html", tmp_path / "r.html")
    html = path.read_text()
    assert re.findall(r'<(?:script|link|img)[^>]+(?:src|href)=["\']?https?:', html) == []
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert html.count("<script>") >= 1 and html.count('class="table-wrap') == 1
    assert "Generated data &lt;script&gt;" in html, "text from the model is escaped"
    assert 'data-key="sharpe" data-value="1.23456789"' in html
    assert ">1.23<" in html and ">-7.85%<" in html
    assert html.count('class="plotly-graph-div"') == 3


def test_pdf_shows_the_same_numbers(generated_report: Report, tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = render_report(generated_report, "pdf", tmp_path / "r.pdf")
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Sharpe ratio 1.23" in text and "Max drawdown -7.85%" in text
    assert "40 of 80 rows left out here" in text
    assert sum(len(page.images) for page in reader.pages) == 3


def test_xlsx_keeps_types_and_formats(generated_report: Report, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = render_report(generated_report, "xlsx", tmp_path / "r.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "series"]
    sheet = book["series"]
    assert [c.value for c in sheet[1]] == ["date", "value", "change", "filled_at (UTC)"]
    assert sheet.freeze_panes == "A2"
    assert isinstance(sheet["A2"].value, datetime) and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].value is None and sheet["C3"].number_format == "0.00%"
    assert isinstance(sheet["B2"].value, float) and sheet["B2"].number_format == "#,##0.00"
    summary = {row[1]: row[3] for row in book["summary"].iter_rows(values_only=True) if row[1:]}
    assert summary["sharpe"] == 1.23456789 and summary["label"] == "synthetic"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_folders_hold_one_file_per_table(
    generated_report: Report, tmp_path: Path, fmt: str
) -> None:
    path = render_report(generated_report, fmt, tmp_path / "tables")
    assert sorted(p.name for p in path.iterdir()) == [
        ".workbench-output",  # the marker: only a folder the workbench wrote is replaced
        f"metrics.{fmt}",
        f"series.{fmt}",
    ]
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    series = read(path / f"series.{fmt}")
    expected = generated_report.table("series").frame["value"]
    assert series["value"].tolist() == pytest.approx(expected.tolist(), rel=1e-15)


def test_json_is_the_whole_model(generated_report: Report, tmp_path: Path) -> None:
    path = render_report(generated_report, "json", tmp_path / "r.json")
    document = json.loads(path.read_text())
    section = document["sections"][0]
    assert section["metrics"][0] == {
        "key": "sharpe",
        "label": "Sharpe ratio",
        "value": 1.23456789,
        "format": "ratio",
        "display": "1.23",
    }
    assert section["tables"][0]["rows"][0]["change"] is None
    assert section["charts"][1]["series"][1] == {"name": "2022", "values": [0.03, None]}
    assert document["params"] == {"seed": 7}
