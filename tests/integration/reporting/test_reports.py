"""Every report kind in every format, from the bundled sample and a recorded paper session,
read back and held to the analysis engine's own figures, computed here independently of
``workbench.reporting``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import performance_from_fills, risk_report, session_dates
from workbench.ledger import ReportRow
from workbench.ops import report
from workbench.reporting import FORMATS, format_value
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("REP-02")

INITIAL_CASH = 100_000.0
#: the targets the paper session's run records (paper_session.TARGETS)
TARGETS = {"AAPL": 0.3, "MSFT": 0.3, "JNJ": 0.2, "XOM": 0.2}


def closes(rt: Runtime, symbols: list[str], start: date | None = None) -> pd.DataFrame:
    frame = rt.data.prices(symbols, start, None)
    frame.index = session_dates(pd.DatetimeIndex(frame.index))
    return frame.loc[:, symbols]


def fills(paper: Any) -> pd.DataFrame:
    columns = ["timestamp", "symbol", "side", "qty", "price", "fee"]
    return pd.DataFrame(paper.session.fills, columns=columns)


def book(paper: Any) -> tuple[pd.Series[float], float]:
    frame = fills(paper)
    signed = frame["qty"] * np.where(frame["side"] == "sell", -1.0, 1.0)
    quantities = signed.groupby(frame["symbol"], sort=False).sum()
    cash = INITIAL_CASH - float((signed * frame["price"]).sum()) - float(frame["fee"].sum())
    return quantities, cash


@pytest.fixture(scope="module")
def expected(paper: Any) -> dict[str, dict[str, float]]:
    """Key numbers of each kind, straight from workbench.analysis."""
    rt, frame = paper.rt, fills(paper)
    symbols = sorted(set(frame["symbol"]))
    history = closes(rt, symbols, date(2017, 10, 2))
    performance = headline(performance_from_fills(frame, history, initial_cash=INITIAL_CASH))
    # the daily report covers the session's own span, which ends on 2018-01-31
    session_span = history.loc[: pd.Timestamp("2018-01-31")]
    daily = headline(performance_from_fills(frame, session_span, initial_cash=INITIAL_CASH))
    quantities, cash = book(paper)
    prices = closes(rt, list(quantities.index))
    risk = risk_report(quantities, prices, cash=cash)
    last = prices.ffill().iloc[-1]
    values = quantities * last
    equity = float(values.sum()) + cash
    slippage = 0.0
    for filled_at, symbol, side, qty, price, _fee in paper.session.fills:
        arrival = _arrival(paper, rt, symbol, filled_at)
        slippage += (1.0 if side == "buy" else -1.0) * (price - arrival) * qty
    return {
        "performance": performance,
        "daily": {**daily, "slippage_cost": slippage, "alerts": 1.0},
        "risk": {
            "var_historical_95": float(risk.var.loc[("historical", 0.95), "var"]),
            "es_historical_95": float(risk.var.loc[("historical", 0.95), "expected_shortfall"]),
            "equity": equity,
        },
        "holdings": {"equity": equity, "cash": cash, "positions": 4.0},
        "execution": {"slippage_cost": slippage, "orders": 7.0, "rejected_orders": 1.0},
        "alerts": {"alerts": 2.0, "open_alerts": 1.0, "critical_alerts": 1.0},
        "quality": {
            "rows_checked": float(sum(rt.data.quality(d).rows_in for d in rt.data.datasets()))
        },
        "weights": (values / equity).to_dict(),
    }


def headline(summary: Any) -> dict[str, float]:
    return {
        "sharpe": summary.sharpe,
        "max_drawdown": summary.max_drawdown,
        "total_return": summary.total_return,
    }


def _arrival(paper: Any, rt: Runtime, symbol: str, filled_at: Any) -> float:
    """The arrival price the session recorded, else the close before the order's session."""
    recorded = {
        (s, t): a for (t, s, *_rest), a in zip(paper.session.fills, _arrivals(paper), strict=True)
    }
    if recorded.get((symbol, filled_at)) is not None:
        return float(recorded[(symbol, filled_at)])
    day = session_dates(pd.DatetimeIndex([filled_at]))[0]
    history = closes(rt, [symbol])[symbol]
    return float(history.loc[history.index < day].iloc[-1])


def _arrivals(paper: Any) -> list[float | None]:
    """Arrival prices of the filled orders, in fill order (orders with fills are ids 1..5)."""
    filled_ids = [1, 2, 3, 4, 5]
    return [paper.session.arrival.get(order_id) for order_id in filled_ids]


#: how each checked metric is shown (the rest are counts)
SHOWN_AS: dict[str, Any] = {
    "sharpe": "ratio",
    "max_drawdown": "percent",
    "total_return": "percent",
    "var_historical_95": "percent",
    "es_historical_95": "percent",
    "equity": "money",
    "cash": "money",
    "slippage_cost": "money",
}
KINDS = ["performance", "risk", "holdings", "execution", "alerts", "quality", "daily"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_in_every_format_reads_back_the_engines_numbers(
    paper: Any,
    expected: dict[str, dict[str, float]],
    readback: ModuleType,
    tmp_path: Path,
    kind: str,
    fmt: str,
) -> None:
    out = tmp_path / f"{kind}.{fmt}"
    made = report.generate(paper.rt, kind, fmt=fmt, out=out)
    assert Path(made.path) == out and out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "only the report is left"
    found = readback.metrics(out, fmt)
    for key, value in expected[kind].items():
        if fmt == "pdf":
            shown = format_value(value, SHOWN_AS.get(key, "integer"))
            assert shown in found["text"], f"{key}: {shown} not in the PDF"
        else:
            assert found[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("fmt", ["html", "xlsx", "csv", "json", "parquet"])
def test_position_weights_in_the_holdings_table(
    paper: Any, expected: Any, readback: ModuleType, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"holdings.{fmt}"
    report.generate(paper.rt, "holdings", fmt=fmt, out=out)
    rows = {row["symbol"]: row for row in readback.table(out, fmt, "positions")}
    for symbol, weight in expected["weights"].items():
        assert rows[symbol]["weight"] == pytest.approx(weight, rel=1e-9)
        assert rows[symbol]["target_weight"] == pytest.approx(TARGETS[symbol])


def test_xlsx_cells_are_typed_with_number_formats_and_frozen_headers(
    paper: Any, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "execution.xlsx"
    report.generate(paper.rt, "execution", fmt="xlsx", out=out)
    workbook = load_workbook(out)
    assert {"summary", "orders", "fills", "rejects", "slippage"} <= set(workbook.sheetnames)
    fills_sheet = workbook["fills"]
    assert fills_sheet.freeze_panes == "A2"
    header = [cell.value for cell in fills_sheet[1]]
    price = fills_sheet.cell(2, header.index("price") + 1)
    assert isinstance(price.value, float) and price.number_format == "#,##0.00"
    when = fills_sheet.cell(2, header.index("filled_at (UTC)") + 1)
    assert when.value.year == 2017 and when.number_format == "yyyy-mm-dd hh:mm:ss"
    rejects = workbook["rejects"]
    reasons = [row[5] for row in rejects.iter_rows(min_row=2, values_only=True)]
    assert any("max_position_weight" in str(reason) and "AAPL" in str(reason) for reason in reasons)


def test_reports_are_recorded_with_their_parameters(paper: Any, tmp_path: Path) -> None:
    made = report.generate(
        paper.rt, "execution", fmt="json", out=tmp_path / "e.json", start=date(2017, 12, 1)
    )
    with paper.rt.ledger.session(read_only=True) as session:
        row = session.get(ReportRow, made.id)
        assert row is not None
        assert (row.kind, row.format, row.path) == ("execution", "json", str(tmp_path / "e.json"))
        assert row.params == {"start": "2017-12-01", "format": "json"}
    listed = report.reports(paper.rt, kind="execution", limit=1)
    assert [r.id for r in listed] == [made.id]


def test_the_daily_report_names_the_paper_session_and_records_its_run(
    paper: Any, tmp_path: Path, readback: ModuleType
) -> None:
    made = report.daily_report(paper.rt, out=tmp_path / "daily.html")
    assert made.run_id == paper.session.run_id and made.format == "html"
    parsed = readback.parse_html(Path(made.path))
    assert {"positions", "orders", "quality_summary", "alerts"} <= set(parsed.tables)
    assert not [s for s in parsed.sources if s.startswith(("http:", "https:", "//"))]


def test_execution_attaches_extra_tables_and_notes(paper: Any) -> None:
    from workbench.reporting import Table

    parity = Table("parity", "Parity", pd.DataFrame({"symbol": ["AAPL"], "qty_diff": [0.0]}))
    built = report.build(
        paper.rt, "execution", extra_tables=[parity], extra_notes=["fills match the backtest"]
    )
    section = built.sections[-1]
    assert section.key == "parity" and section.tables == (parity,)
    assert section.notes == ("fills match the backtest",)


@pytest.mark.slow
def test_a_stored_backtest_run_reports_its_own_statistics(
    paper: Any, readback: ModuleType, tmp_path: Path
) -> None:
    from workbench.ops import strategy

    result = strategy.backtest(
        paper.rt, "sma_crossover", ["AAPL", "MSFT"], params={"fast": 10, "slow": 50}
    )
    stats = result.stats
    for fmt in ("html", "xlsx", "json", "parquet"):
        out = tmp_path / f"backtest.{fmt}"
        made = report.generate(paper.rt, "performance", fmt=fmt, out=out, run_id=result.run_id)
        assert made.run_id == result.run_id
        found = readback.metrics(out, fmt)
        assert found["sharpe"] == pytest.approx(stats.sharpe, rel=1e-9)
        assert found["max_drawdown"] == pytest.approx(stats.max_drawdown, rel=1e-9)
        assert found["total_return"] == pytest.approx(stats.total_return, rel=1e-9)
        assert found["trades_count"] == stats.trades.count
        assert found["trades_hit_rate"] == pytest.approx(stats.trades.hit_rate, rel=1e-9)
    risk = report.build(paper.rt, "risk", run_id=result.run_id)
    assert risk.metric("equity").value == pytest.approx(result.final_equity, rel=1e-9)


def test_risk_limits_given_by_the_caller_show_their_utilisation(paper: Any) -> None:
    from workbench.analysis import loss_limit_check

    check = loss_limit_check(start_equity=100_000, current_equity=97_000, max_loss=0.05)
    built = report.build(paper.rt, "risk", limits=[check])
    limits = built.table("limits").frame
    assert list(limits["rule"]) == [check.rule]
    assert limits["utilisation"].iloc[0] == pytest.approx(check.utilisation)
    assert limits["status"].iloc[0] == ("warning" if check.warning else "ok")


def test_a_daily_report_before_any_session_says_what_is_missing(
    sample_lake: Path, tmp_path: Path, readback: ModuleType
) -> None:
    from workbench.core.config import load_settings

    home = tmp_path / "home"
    home.mkdir()
    (home / "lake").symlink_to(sample_lake, target_is_directory=True)
    with Runtime.from_settings(load_settings(home=home)) as rt:
        made = report.daily_report(rt)
        rt.data.close()
    assert Path(made.path).parent == home / "reports" and made.run_id is None
    text = Path(made.path).read_text()
    assert text.count("the ledger has no accounts: run a paper session first") == 3
    assert {"quality_summary", "alerts"} <= set(readback.parse_html(Path(made.path)).tables)
