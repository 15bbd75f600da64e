"""Replaying a ledger's fills: a hand-worked book (made-up prices, not market data).

Tolerance: every figure is a few additions of exact decimals, rel=1e-12.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
import pytest

from workbench.analysis import performance_from_fills, replay_fills
from workbench.core.errors import DataError, NotFound
from workbench.model import Fill, OrderSide

DATES = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
MADE_UP_PRICES = pd.DataFrame({"A": [10.0, 11.0, 12.0, 11.0], "B": [20.0, 20.0, 22.0, 24.0]}, DATES)


def _fill(day: int, hour_utc: int, symbol: str, side: str, qty: int, price: str, fee: str = "0"):
    return Fill(
        order_id=f"o{day}{symbol}",
        symbol=symbol,
        side=OrderSide(side),
        qty=Decimal(qty),
        price=Decimal(price),
        timestamp=datetime(2024, 1, day, hour_utc, tzinfo=UTC),
        fee=Decimal(fee),
    )


FILLS = [
    _fill(2, 20, "A", "buy", 10, "10", "1"),
    # 02:00 UTC on the 4th is 21:00 on the 3rd in New York: it belongs to the 3rd's session
    _fill(4, 2, "B", "buy", 5, "20"),
    _fill(4, 15, "A", "sell", 4, "12", "0.4"),
    _fill(5, 15, "A", "sell", 6, "11"),
]


def test_book_cash_positions_and_equity() -> None:
    book = replay_fills(FILLS, MADE_UP_PRICES, initial_cash=1000).book
    assert book["cash"].tolist() == pytest.approx([899.0, 799.0, 846.6, 912.6], rel=1e-12)
    assert book["long_value"].tolist() == pytest.approx([100.0, 210.0, 182.0, 120.0], rel=1e-12)
    assert book["equity"].tolist() == pytest.approx([999.0, 1009.0, 1028.6, 1032.6], rel=1e-12)
    assert book["gross_exposure"].iloc[1] == pytest.approx(210 / 1009, rel=1e-12)
    expected_turnover = [100 / 999, 100 / 1009, 48 / 1028.6, 66 / 1032.6]
    assert book["turnover"].tolist() == pytest.approx(expected_turnover, rel=1e-12)


def test_closed_trades_are_fifo_net_of_both_fees() -> None:
    pnl = replay_fills(FILLS, MADE_UP_PRICES, initial_cash=1000).trade_pnl
    # 4 * (12 - 10) less 4/10 of the opening fee and the closing fee; then 6 * (11 - 10) - 0.6
    assert pnl.tolist() == pytest.approx([8 - 0.4 - 0.4, 6 - 0.6], rel=1e-12)


def test_a_short_round_trip() -> None:
    fills = [_fill(2, 15, "B", "sell", 5, "20"), _fill(4, 15, "B", "buy", 5, "22")]
    replay = replay_fills(fills, MADE_UP_PRICES, initial_cash=1000)
    assert replay.book["short_value"].tolist() == pytest.approx([-100.0, -100.0, 0.0, 0.0])
    assert replay.trade_pnl.tolist() == pytest.approx([-10.0])
    assert replay.book["equity"].iloc[-1] == pytest.approx(990.0)


def test_performance_from_fills_uses_positions() -> None:
    summary = performance_from_fills(FILLS, MADE_UP_PRICES, initial_cash=1000)
    equity = [999.0, 1009.0, 1028.6, 1032.6]
    assert summary.total_return == pytest.approx(1032.6 / 999 - 1, rel=1e-12)
    assert summary.periods == 3
    assert summary.trades.basis == "trades" and summary.trades.count == 2
    exposures = [210 / 1009, 182 / 1028.6, 120 / 1032.6]
    assert summary.exposure == pytest.approx(sum(exposures) / 3, rel=1e-12)
    turnover = [100 / 1009, 48 / 1028.6, 66 / 1032.6]
    assert summary.annual_turnover == pytest.approx(sum(turnover) / 3 * 252, rel=1e-12)
    assert summary.time_in_market == 1.0
    assert equity  # the curve above is what the returns come from


def test_fills_as_a_frame() -> None:
    frame = pd.DataFrame(
        {
            "timestamp": ["2024-01-02T20:00:00Z"],
            "symbol": ["A"],
            "side": ["BUY"],
            "qty": [10],
            "price": [10.0],
        }
    )
    book = replay_fills(frame, MADE_UP_PRICES, initial_cash=1000).book
    assert book["cash"].iloc[0] == pytest.approx(900.0)


def test_bad_fills() -> None:
    with pytest.raises(NotFound, match="no prices for traded symbol"):
        replay_fills([_fill(2, 15, "ZZZ", "buy", 1, "1")], MADE_UP_PRICES, initial_cash=10)
    with pytest.raises(DataError, match="after the last price date"):
        replay_fills([_fill(9, 15, "A", "buy", 1, "1")], MADE_UP_PRICES, initial_cash=10)
    with pytest.raises(DataError, match="no fills"):
        replay_fills([], MADE_UP_PRICES, initial_cash=10)
    with pytest.raises(DataError, match="equity falls to zero"):
        replay_fills([_fill(2, 15, "B", "sell", 100, "20")], MADE_UP_PRICES, initial_cash=10)


def test_daily_prices_labelled_like_the_lake() -> None:
    # the lake stamps a session at its New York midnight, in UTC
    utc = MADE_UP_PRICES.set_axis(DATES.tz_localize("America/New_York").tz_convert("UTC"))
    naive = replay_fills(FILLS, MADE_UP_PRICES, initial_cash=1000).book
    aware = replay_fills(FILLS, utc, initial_cash=1000).book
    assert aware["equity"].tolist() == pytest.approx(naive["equity"].tolist(), rel=1e-12)


def test_intraday_fills_count_in_the_bar_they_happen_in() -> None:
    bars = pd.date_range("2024-01-02 14:30", periods=4, freq="5min", tz="UTC")
    prices = pd.DataFrame({"A": [10.0, 11.0, 12.0, 13.0]}, index=bars)
    fill = Fill(
        order_id="o1",
        symbol="A",
        side=OrderSide.BUY,
        qty=Decimal(1),
        price=Decimal(10),
        timestamp=datetime(2024, 1, 2, 14, 37, tzinfo=UTC),  # inside the 14:35 bar
    )
    book = replay_fills([fill], prices, initial_cash=100).book
    assert book["long_value"].tolist() == [0.0, 11.0, 12.0, 13.0]
    early = Fill(
        "o2", "A", OrderSide.BUY, Decimal(1), Decimal(10), datetime(2024, 1, 2, tzinfo=UTC)
    )
    with pytest.raises(DataError, match="before the first bar"):
        replay_fills([early], prices, initial_cash=100)
