"""An SMA crossover, a Donchian breakout and RSI reversion computed twice: by the engine
(vectorbt, TA-Lib) and by plain pandas loops written from the documented rules, with neither.
They must agree on every trade and on the final equity within 1e-9 (relative): three symbols
sharing cash in equal slices, next-open fills, 0.1 % fees and 0.05 % slippage, on the bundled
real data; once from the first bar, once over a window with its warm-up bars before it. Both
sides use the documented cross rule (both averages observed at the bar and the one before).
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from workbench.strategy import BacktestConfig, Bars, backtest

pytestmark = pytest.mark.requirement("STR-02")

FAST, SLOW = 10, 40
CASH, FEES, SLIPPAGE = 100_000.0, 0.001, 0.0005
TOLERANCE = 1e-9


Signals = tuple[pd.DataFrame, pd.DataFrame]


def sma_by_hand(bars: Bars) -> Signals:
    close = bars.close
    fast, slow = close.rolling(FAST).mean(), close.rolling(SLOW).mean()
    above = fast > slow
    below = slow > fast
    # a cross needs both averages at this bar and the one before (documented rule)
    seen = fast.notna() & slow.notna()
    both = seen & seen.shift(1, fill_value=False)
    entries = both & above & ~above.shift(1, fill_value=False)
    exits = both & below & ~below.shift(1, fill_value=False)
    return entries, exits


def donchian_by_hand(bars: Bars) -> Signals:
    """A close above the highest high of the previous 20 bars; out below the lowest low of
    the previous 10."""
    rows = range(len(bars))
    upper = pd.DataFrame(
        [
            bars.high.iloc[i - 20 : i].max() if i >= 20 else bars.high.iloc[0] * math.nan
            for i in rows
        ],
        index=bars.index,
    )
    lower = pd.DataFrame(
        [bars.low.iloc[i - 10 : i].min() if i >= 10 else bars.low.iloc[0] * math.nan for i in rows],
        index=bars.index,
    )
    return bars.close > upper, bars.close < lower


def rsi_by_hand(bars: Bars, period: int = 14) -> Signals:
    """Wilder's RSI: the first average gain and loss are plain means of ``period`` changes,
    then each is smoothed as (previous * (period - 1) + change) / period."""
    out = pd.DataFrame(math.nan, index=bars.index, columns=bars.close.columns)
    for symbol in bars.symbols:
        change = bars.close[symbol].diff().to_numpy()
        gain, loss = change.clip(min=0), (-change).clip(min=0)
        average_gain, average_loss = gain[1 : period + 1].mean(), loss[1 : period + 1].mean()
        for i in range(period, len(change)):
            if i > period:
                average_gain = (average_gain * (period - 1) + gain[i]) / period
                average_loss = (average_loss * (period - 1) + loss[i]) / period
            out.iloc[i, out.columns.get_loc(symbol)] = (
                100 * average_gain / (average_gain + average_loss)
            )
    return out < 30, out > 70


BY_HAND = {
    "sma_crossover": (sma_by_hand, {"fast": FAST, "slow": SLOW}),
    "donchian_breakout": (donchian_by_hand, {"entry": 20, "exit": 10}),
    "rsi_reversion": (rsi_by_hand, {"period": 14, "lower": 30.0, "upper": 70.0}),
}


def reference(
    bars: Bars, signals: Signals, first: int = 0
) -> tuple[list[tuple[str, pd.Timestamp, pd.Timestamp | None, float]], float]:
    """Trades (symbol, entry, exit or None, shares) and final equity, by hand; decisions
    before bar ``first`` are not taken (those bars only warm the indicators up)."""
    close, open_ = bars.close, bars.open
    entries, exits = signals
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


@pytest.mark.parametrize("name", list(BY_HAND))
@pytest.mark.parametrize("warm", [False, True], ids=["from-the-first-bar", "warmed-up"])
def test_engine_and_pandas_loop_agree(bars_of, warm: bool, name: str) -> None:  # type: ignore[no-untyped-def]
    bars = bars_of(["AAPL", "JPM", "XOM"])
    first = 0
    if warm:  # the window starts at 2014-01-02 with SLOW bars of 2013 before it
        bars = bars_of(["AAPL", "JPM", "XOM"], date(2013, 2, 1))
        first = int(bars.index.searchsorted(pd.Timestamp("2014-01-02")))
        bars = bars.iloc(first - SLOW)
        first = SLOW
    config = BacktestConfig(initial_cash=CASH, fees=FEES, slippage=SLIPPAGE, benchmark=None)
    start = bars.index[first] if warm else None
    by_hand, params = BY_HAND[name]
    result = backtest(name, bars, params, config, trade_from=start)
    assert result.warmup_bars == first
    expected_trades, expected_final = reference(bars, by_hand(bars), first)
    got = result.trades.sort_values(["symbol", "entry_time"])
    assert len(got) == len(expected_trades) >= 10
    for (_, row), (symbol, entry, exit_, qty) in zip(got.iterrows(), expected_trades, strict=True):
        assert row["symbol"] == symbol
        assert row["entry_time"] == entry
        assert (row["exit_time"] if row["status"] == "closed" else None) == exit_
        assert row["qty"] == pytest.approx(qty, rel=TOLERANCE)
    assert result.final_equity == pytest.approx(expected_final, rel=TOLERANCE)
