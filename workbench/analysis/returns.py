"""Returns from prices and equity curves, and back (conventions: ``analysis.conventions``)."""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import pandas as pd

from workbench.analysis._checks import as_series
from workbench.analysis.conventions import ReturnKind
from workbench.core.errors import DataError, ValidationError

__all__ = [
    "equity_from_returns",
    "price_returns",
    "returns_from_equity",
]


@overload
def price_returns(prices: pd.Series[float], *, kind: ReturnKind = ...) -> pd.Series[float]: ...
@overload
def price_returns(prices: pd.DataFrame, *, kind: ReturnKind = ...) -> pd.DataFrame: ...
def price_returns(
    prices: pd.Series[float] | pd.DataFrame, *, kind: ReturnKind = "simple"
) -> pd.Series[float] | pd.DataFrame:
    """Period returns of a price series, or of each column of a wide frame (columns = symbols).

    A NaN price is a missing observation, not a price: the return after a gap runs from the
    last observed price, and no price is ever filled. The first row (no previous price) is
    dropped; in a wide frame, a symbol's rows before its first price stay NaN.
    """
    if kind not in ("simple", "log"):
        raise ValidationError(f"kind must be 'simple' or 'log', got {kind!r}")
    if isinstance(prices, pd.DataFrame):
        if prices.empty:
            raise DataError("prices is empty")
        columns = {column: _column_returns(prices[column], kind) for column in prices.columns}
        frame = pd.DataFrame(columns, index=prices.index).iloc[1:]
        return frame
    series = as_series(prices, name="prices")
    return _column_returns(series, kind).dropna()


def _column_returns(prices: pd.Series[Any], kind: ReturnKind) -> pd.Series[float]:
    observed = prices.dropna().astype("float64")
    if (observed <= 0).any():
        first_bad = observed.index[(observed <= 0).to_numpy()][0]
        raise DataError(f"prices must be positive; {prices.name or 'series'} has {first_bad!s}")
    ratio = observed / observed.shift(1)
    if kind == "log":
        ratio = pd.Series(np.log(ratio.to_numpy()), index=ratio.index)
        return ratio.reindex(prices.index)
    return (ratio - 1.0).reindex(prices.index)


def returns_from_equity(
    equity: pd.Series[float], *, kind: ReturnKind = "simple"
) -> pd.Series[float]:
    """Period returns of an equity curve; NaN points are dropped, values must stay positive."""
    return price_returns(equity, kind=kind)


def equity_from_returns(returns: pd.Series[float], *, start: float = 1.0) -> pd.Series[float]:
    """The equity curve compounded from simple returns, starting at ``start`` before them.

    The result has one point per return (the value at the end of that period); NaN returns
    are dropped first.
    """
    series = as_series(returns, name="returns")
    if (series < -1.0).any():
        raise DataError("returns below -100% cannot be compounded into an equity curve")
    return start * (1.0 + series).cumprod()
