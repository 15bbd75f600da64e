"""Analysis engine timings: 20 indicators over 60 symbols x 5 years of daily bars, and a full
risk report (VaR four ways, decomposition, exposure, liquidity, stress) of a 60-name book.

Reads the 60 stocks from the bundled sample (``workbench.data.sample``) when it is there, else
from ``../shared/data`` (or ``WB_BENCH_SHARED_DATA``). Prints figures; asserts nothing.
Run: ``.venv/bin/python benchmarks/bench_analysis.py``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

INDICATORS: list[tuple[str, dict[str, object]]] = [
    ("SMA", {"timeperiod": 20}),
    ("SMA", {"timeperiod": 50}),
    ("EMA", {"timeperiod": 20}),
    ("RSI", {}),
    ("MACD", {}),
    ("BBANDS", {}),
    ("ATR", {}),
    ("ADX", {}),
    ("CCI", {}),
    ("STOCH", {}),
    ("WILLR", {}),
    ("OBV", {}),
    ("MFI", {}),
    ("ROC", {}),
    ("NATR", {}),
    ("KAMA", {}),
    ("VWAP", {}),
    ("ZSCORE", {}),
    ("REALIZED_VOL", {}),
    ("MOM_12_1", {}),
]


def load_bars() -> pd.DataFrame:
    """Long daily bars: symbol, date, open, high, low, close, volume."""
    try:
        from workbench.data.sample import read_sample, symbol_table

        table = symbol_table()
        funds = {"Index", "Exchange-Traded Fund"}  # the bundle also holds ^GSPC, ^IXIC, SPY
        stocks = set(table.loc[~table["sector"].isin(funds), "symbol"])
        bars = read_sample("bars_1d")
        bars = bars.loc[bars["symbol"].isin(stocks)]
        return bars.rename(columns={"timestamp": "date"}).reset_index(drop=True)
    except (ImportError, AttributeError, KeyError, LookupError):
        pass  # the bundle is not there (yet): read the shared CSV
    folder = os.environ.get("WB_BENCH_SHARED_DATA")
    candidates = [Path(folder)] if folder else []
    candidates += [parent / "shared" / "data" for parent in Path(__file__).resolve().parents]
    for candidate in candidates:
        path = candidate / "daily" / "sp500_5yr_top60_ohlcv.csv"
        if path.is_file():
            bars = pd.read_csv(path, parse_dates=["date"])
            return bars.rename(columns={"Name": "symbol"})
    raise SystemExit("no market data: set WB_BENCH_SHARED_DATA to the shared data folder")


def timed(label: str, work: Callable[[], object], repeats: int = 5) -> None:
    start = time.perf_counter()
    work()
    first = time.perf_counter() - start
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    print(f"{label:<58} first {first:7.3f} s   warm median {statistics.median(runs):7.3f} s")


def main() -> None:
    import workbench.analysis as analysis

    bars = load_bars()
    panel = bars.pivot(index="date", columns="symbol")
    close = panel["close"]
    volume = panel["volume"]
    symbols, days = close.shape[1], close.shape[0]
    print(f"data: {symbols} symbols x {days} days ({len(bars):,} bars)")

    timed("indicator registry (TA-Lib metadata and ranges)", analysis.list_indicators, 1)
    timed(
        f"{len(INDICATORS)} indicators, panel (field, symbol) columns",
        lambda: analysis.compute_indicators(panel, INDICATORS),
    )
    timed(
        f"{len(INDICATORS)} indicators, long frame (symbol column)",
        lambda: analysis.compute_indicators(bars, INDICATORS),
    )

    quantities = pd.Series(100.0, index=close.columns)
    report_args = {"cash": 100_000.0, "volumes": volume, "lookback": 756}
    timed(
        f"risk report, {symbols}-name book (VaR x4 x2 levels, 100k MC paths)",
        lambda: analysis.risk_report(quantities, close, **report_args),
    )
    returns = analysis.price_returns(close)
    timed(
        "portfolio VaR + component VaR (Ledoit-Wolf)",
        lambda: analysis.portfolio_var(analysis.risk.position_values(quantities, close), returns),
    )
    for method in ("min_variance", "max_sharpe", "risk_parity", "hrp"):
        timed(f"target weights: {method}", lambda m=method: analysis.target_weights(returns, m))


if __name__ == "__main__":
    main()
