"""The JSON report speaks the plain-value policy of ``workbench.model.plain``: a Decimal in a
table reads as ``--json`` prints it, an exact string, and times are UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.model import OrderSide, to_plain
from workbench.reporting import Metric, Report, Section, Table
from workbench.reporting.renderers import write_json, write_table

pytestmark = pytest.mark.requirement("REP-04")

NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": ["AAPL", "MSFT"],
            "side": [OrderSide.BUY, OrderSide.SELL],
            "qty": [Decimal("2.50"), Decimal("10")],
            "limit_price": [Decimal("101.10"), None],
            "created_at": pd.DatetimeIndex(
                ["2024-01-02 09:30", "2024-01-02 10:00"], tz="America/New_York"
            ),
            "change": [0.5, np.nan],
        }
    )


def test_a_report_table_writes_decimals_exactly_and_times_in_utc(tmp_path: Path) -> None:
    frame = orders_frame()
    report = Report(
        kind="generated",
        title="Generated orders",
        generated_at=datetime(2026, 1, 1, 7, tzinfo=NEW_YORK_WINTER),
        params={"cash": Decimal("1000.00")},
        sections=(
            Section(
                "main",
                "Main",
                metrics=(Metric("cash", "Cash", 1000.0, "money"),),
                tables=(Table("orders", "Orders", frame),),
            ),
        ),
    )
    document = json.loads(write_json(report, tmp_path / "r.json").read_text(encoding="utf-8"))
    rows = document["sections"][0]["tables"][0]["rows"]
    assert rows == to_plain(frame)
    assert rows[0] == {
        "symbol": "AAPL",
        "side": "buy",
        "qty": "2.50",
        "limit_price": "101.10",
        "created_at": "2024-01-02T14:30:00+00:00",
        "change": 0.5,
    }
    assert rows[1]["limit_price"] is None and rows[1]["change"] is None
    assert document["generated_at"] == "2026-01-01T12:00:00+00:00"
    assert document["params"] == {"cash": "1000.00"}
    assert datetime.fromisoformat(document["generated_at"]).tzinfo == UTC


def test_a_json_table_export_is_the_same_records(tmp_path: Path) -> None:
    frame = orders_frame()
    written = write_table(frame, tmp_path / "orders.json", "json")
    assert json.loads(written.read_text(encoding="utf-8")) == to_plain(frame)
