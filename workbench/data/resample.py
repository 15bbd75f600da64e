"""Bars to coarser bars: first open, highest high, lowest low, last close, summed volume and
trade count, volume-weighted vwap. Daily bars group by New York session date and are stamped at
midnight New York time like stored daily bars; intraday bars group on the UTC clock.

The vwap of a coarser bar weights each finer bar's own vwap by its volume; a bar without a vwap
counts at its close (the best price it offers for its volume).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.core.errors import DataError
from workbench.data import calendar as cal
from workbench.data.schema import BAR_TIMEFRAMES

__all__ = ["resample_bars"]


def resample_bars(bars: pd.DataFrame, to: str) -> pd.DataFrame:
    if to not in BAR_TIMEFRAMES:
        raise DataError(f"cannot resample to {to!r}: expected one of {', '.join(BAR_TIMEFRAMES)}")
    if bars.empty:
        return bars.copy()
    frame = bars.copy()
    if to == "1d":
        local = frame["timestamp"].dt.tz_convert(cal.NEW_YORK)
        frame["bucket"] = local.dt.normalize().dt.tz_convert("UTC")
    else:
        frame["bucket"] = frame["timestamp"].dt.floor(BAR_TIMEFRAMES[to])
    price = frame["vwap"].fillna(frame["close"]) if "vwap" in frame.columns else frame["close"]
    frame["_pv"] = price * frame["volume"]
    aggregations = {
        "open": ("open", "first"),
        "high": ("high", "max"),
        "low": ("low", "min"),
        "close": ("close", "last"),
        "volume": ("volume", "sum"),
        "_pv": ("_pv", "sum"),
    }
    if "trade_count" in frame.columns:
        aggregations["trade_count"] = ("trade_count", "sum")
    grouped = frame.sort_values("timestamp", kind="stable").groupby(["symbol", "bucket"], sort=True)
    out = grouped.agg(**aggregations)
    if "trade_count" in out.columns:
        # a bucket whose bars have no trade count has none either (sum would say 0)
        counted = grouped["trade_count"].count()
        out["trade_count"] = out["trade_count"].astype("Int64").mask(counted == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["vwap"] = np.where(out["volume"] > 0, out["_pv"] / out["volume"], np.nan)
    return out.drop(columns="_pv").reset_index().rename(columns={"bucket": "timestamp"})
