"""An SMA crossover computed twice: by the engine (vectorbt) and by a plain pandas loop written
from the documented rules, with no vectorbt. They must agree on every trade and on the final
equity within 1e-9 (relative): three symbols sharing cash in equal slices, next-open fills,
0.1 % fees and 0.05 % slippage, on the bundled real data; once from the first bar, once over
a window with its warm-up bars before it. Both sides use the documented cross rule (both
averages observed at the bar and the one before).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from workbench.strategy import BacktestConfig, Bars, backtest

FAST, SLOW = 10, 40
CASH, FEES, SLIPPAGE = 100_000.0, 0.001, 0.0005
TOLERANCE = 1e-9


def reference(
    bars: Bars, first: int = 0
) -> tuple[list[tuple[str, pd.Timestamp, pd.Timestamp | None, float]], float]:
    """Trades (symbol, entry, exit or None, shares) and final equity, by hand; decisions
    before bar ``first`` are not taken (those bars only warm the averages up)."""
    close, open_ = bars.close, bars.open
    fast, slow = close.rolling(FAST).mean(), close.rolling(SLOW).mean()
    above = fast > slow
    below = slow > fast
    # a cross needs both averages at this bar and the one before (documented rule)
    seen = fast.notna() & slow.notna()
    both = seen & seen.shift(1, fill_value=False)
    entries = both & above & ~above.shift(1, fill_value=False)
    exits = both & below & ~below.shift(1, fill_value=False)
    symbols = list(close.columns)
    weight = 1 / len(symbols)
    cash = CASH
    shares = dict.fromkeys(symbols, 0.0)
    opened: dict[str, tuple[pd.Timestamp, float]] = {}
    trades = []
    for i in range(first + 1, len(close)):  # decided at bar i - 1, filled at bar i
        day = close.index[i]
        prices = open_.iloc[i]
        # the portfolio is valued at this open before any order (every order sized from it)
        value = cash + sum(shares[s] * prices[s] for s in symbols)
        sells = [s for s in symbols if exits[s].iloc[i - 1] and shares[s] > 0]
        buys = [s for s in symbols if entries[s].iloc[i - 1] and shares[s] == 0]
        for s in sells:  # sells first, so buys find the cash
            fill = prices[s] * (1 - SLIPPAGE)
            cash += shares[s] * fill * (1 - FEES)
            start, qty = opened.pop(s)
            trades.append((s, start, day, qty))
            shares[s] = 0.0
        for s in buys:
            fill = prices[s] * (1 + SLIPPAGE)
            qty = weight * value / prices[s]
            if qty * fill * (1 + FEES) > cash:  # not enough cash left: buy what it pays for
                qty = cash / (1 + FEES) / fill
            cash -= qty * fill * (1 + FEES)
            shares[s] = qty
            opened[s] = (day, qty)
    trades += [(s, start, None, qty) for s, (start, qty) in opened.items()]
    final = cash + sum(shares[s] * close[s].iloc[-1] for s in symbols)
    return sorted(trades, key=lambda t: (t[0], t[1])), final


@pytest.mark.parametrize("warm", [False, True], ids=["from-the-first-bar", "warmed-up"])
def test_engine_and_pandas_loop_agree(bars_of, warm: bool) -> None:  # type: ignore[no-untyped-def]
    bars = bars_of(["AAPL", "JPM", "XOM"])
    first = 0
    if warm:  # the window starts at 2014-01-02 with SLOW bars of 2013 before it
        bars = bars_of(["AAPL", "JPM", "XOM"], date(2013, 2, 1))
        first = int(bars.index.searchsorted(pd.Timestamp("2014-01-02")))
        bars = bars.iloc(first - SLOW)
        first = SLOW
    config = BacktestConfig(initial_cash=CASH, fees=FEES, slippage=SLIPPAGE, benchmark=None)
    start = bars.index[first] if warm else None
    result = backtest("sma_crossover", bars, {"fast": FAST, "slow": SLOW}, config, trade_from=start)
    assert result.warmup_bars == first
    expected_trades, expected_final = reference(bars, first)
    got = result.trades.sort_values(["symbol", "entry_time"])
    assert len(got) == len(expected_trades) > 20
    for (_, row), (symbol, entry, exit_, qty) in zip(got.iterrows(), expected_trades, strict=True):
        assert row["symbol"] == symbol
        assert row["entry_time"] == entry
        assert (row["exit_time"] if row["status"] == "closed" else None) == exit_
        assert row["qty"] == pytest.approx(qty, rel=TOLERANCE)
    assert result.final_equity == pytest.approx(expected_final, rel=TOLERANCE)
