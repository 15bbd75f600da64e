"""Generated market data for tests. It is never presented as market data: every symbol it makes
starts with ``GEN`` and the function's name says what it is."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["generated_bars"]


def generated_bars(
    symbols: int = 1,
    rows: int = 100,
    *,
    freq: str = "1min",
    start: str = "2023-05-25 13:30",
    seed: int = 0,
) -> pd.DataFrame:
    """Random-walk OHLCV bars (valid OHLC, UTC timestamps) for ``GEN0``, ``GEN1``..."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range(start, periods=rows, freq=freq, tz="UTC")
    frames = []
    for index in range(symbols):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, rows)))
        open_ = np.concatenate([[close[0]], close[:-1]])
        spread = np.abs(rng.normal(0, 0.0005, rows)) * close
        frames.append(
            pd.DataFrame(
                {
                    "symbol": f"GEN{index}",
                    "timestamp": stamps,
                    "open": open_,
                    "high": np.maximum(open_, close) + spread,
                    "low": np.minimum(open_, close) - spread,
                    "close": close,
                    "volume": rng.integers(100, 10_000, rows).astype("float64"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
