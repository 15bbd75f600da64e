"""A ledger's fills replayed over a price history: cash, positions, equity, exposure, turnover
and the realised P&L of each closing trade, ready for ``performance_summary``.

Daily prices (one row a session: see ``conventions.is_daily``): a fill counts in the session
of its America/New_York date (the next session when that date has none), valued at that
session's close. Intraday prices: a fill counts in the bar whose label (its start) is the last
at or before the fill. A held symbol with no price on a date is marked at its last known price
(the usual mark-to-last; never a back-fill).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis._checks import as_float, json_safe
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR, is_daily, session_dates
from workbench.analysis.performance import PerformanceSummary, performance_summary
from workbench.analysis.returns import returns_from_equity
from workbench.core.errors import DataError, NotFound
from workbench.model import Fill, OrderSide

__all__ = ["LedgerReplay", "fills_frame", "performance_from_fills", "replay_fills"]

_FILL_COLUMNS = ("timestamp", "symbol", "side", "qty", "price", "fee")


@dataclass(frozen=True, slots=True, eq=False)
class LedgerReplay:
    """``book`` has one row per price date: cash, long_value, short_value (negative), equity,
    gross_exposure (gross position value / equity) and turnover (traded value / equity).
    ``positions`` holds signed quantities (columns = symbols); ``trade_pnl`` the realised
    P&L, after fees, of each fill that reduced a position (FIFO against the lots it closed)."""

    book: pd.DataFrame
    positions: pd.DataFrame
    trade_pnl: pd.Series[float]

    @property
    def returns(self) -> pd.Series[float]:
        return returns_from_equity(self.book["equity"])

    def to_dict(self) -> dict[str, Any]:
        return {"book": json_safe(self.book), "trade_pnl": json_safe(self.trade_pnl)}


def fills_frame(fills: Iterable[Fill] | pd.DataFrame) -> pd.DataFrame:
    """Fills as a frame (timestamp, symbol, side, qty, price, fee) sorted by time, qty signed
    (negative for a sell)."""
    if isinstance(fills, pd.DataFrame):
        missing = [name for name in _FILL_COLUMNS if name not in fills.columns and name != "fee"]
        if missing:
            raise DataError(f"fills frame lacks columns {missing}; it needs {list(_FILL_COLUMNS)}")
        frame = fills.copy()
        if "fee" not in frame.columns:
            frame["fee"] = 0.0
    else:
        rows = [
            (f.timestamp, f.symbol, str(f.side), float(f.qty), float(f.price), float(f.fee))
            for f in fills
        ]
        frame = pd.DataFrame(rows, columns=list(_FILL_COLUMNS))
    if frame.empty:
        raise DataError("there are no fills to replay")
    sides = frame["side"].astype(str).str.lower()
    unknown = sorted(set(sides) - {OrderSide.BUY.value, OrderSide.SELL.value})
    if unknown:
        raise DataError(f"unknown fill side(s) {unknown}; expected 'buy' or 'sell'")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["qty"] = frame["qty"].astype("float64").abs() * np.where(sides == "sell", -1.0, 1.0)
    frame["price"] = frame["price"].astype("float64")
    frame["fee"] = frame["fee"].astype("float64")
    frame["side"] = sides
    return frame.loc[:, list(_FILL_COLUMNS)].sort_values("timestamp", kind="stable")


def replay_fills(
    fills: Iterable[Fill] | pd.DataFrame, prices: pd.DataFrame, *, initial_cash: float
) -> LedgerReplay:
    """Replay ``fills`` from ``initial_cash`` over ``prices`` (wide closes, columns = symbols)."""
    frame = fills_frame(fills)
    initial = as_float("initial_cash", initial_cash)
    if not isinstance(prices.index, pd.DatetimeIndex) or prices.empty:
        raise DataError("prices must be a non-empty frame indexed by date (columns = symbols)")
    unknown = sorted(set(frame["symbol"]) - set(prices.columns))
    if unknown:
        raise NotFound(f"no prices for traded symbol(s) {unknown}", symbols=unknown)
    frame["row"] = _rows_of(frame["timestamp"], prices.index)
    symbols = sorted(set(frame["symbol"]))
    dates = prices.index
    traded = frame.pivot_table(index="row", columns="symbol", values="qty", aggfunc="sum")
    traded = traded.reindex(index=range(len(dates)), columns=symbols, fill_value=0.0).fillna(0.0)
    positions = traded.cumsum().set_axis(dates)
    marks = prices.loc[:, symbols].ffill()
    _require_marks(positions, marks)
    values = (positions * marks.where(positions != 0.0, 0.0)).fillna(0.0)
    cash_flow = -(frame["qty"] * frame["price"]) - frame["fee"]
    flows = cash_flow.groupby(frame["row"]).sum().reindex(range(len(dates)), fill_value=0.0)
    notional = (frame["qty"].abs() * frame["price"]).groupby(frame["row"]).sum()
    book = pd.DataFrame(index=dates)
    book["cash"] = initial + flows.cumsum().to_numpy()
    book["long_value"] = values.clip(lower=0.0).sum(axis=1)
    book["short_value"] = values.clip(upper=0.0).sum(axis=1)
    book["equity"] = book["cash"] + book["long_value"] + book["short_value"]
    if (book["equity"] <= 0).any():
        raise DataError("equity falls to zero or below; returns are undefined from there")
    book["gross_exposure"] = (book["long_value"] - book["short_value"]) / book["equity"]
    daily_notional = notional.reindex(range(len(dates)), fill_value=0.0).to_numpy()
    book["turnover"] = daily_notional / book["equity"]
    return LedgerReplay(book=book, positions=positions, trade_pnl=_closed_trade_pnl(frame))


def performance_from_fills(
    fills: Iterable[Fill] | pd.DataFrame,
    prices: pd.DataFrame,
    *,
    initial_cash: float,
    benchmark: pd.Series[float] | None = None,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> PerformanceSummary:
    """``performance_summary`` of a replayed ledger, with exposure, turnover and per-trade
    statistics (per period when no trade has closed yet)."""
    replay = replay_fills(fills, prices, initial_cash=initial_cash)
    returns = replay.returns
    return performance_summary(
        returns,
        benchmark=benchmark,
        risk_free_rate=risk_free_rate,
        periods_per_year=periods_per_year,
        exposure=replay.book["gross_exposure"].loc[returns.index],
        turnover=replay.book["turnover"].loc[returns.index],
        trade_pnl=replay.trade_pnl if len(replay.trade_pnl) else None,
    )


def _rows_of(timestamps: pd.Series[pd.Timestamp], index: pd.DatetimeIndex) -> npt.NDArray[np.intp]:
    stamps = pd.DatetimeIndex(timestamps)  # UTC
    if is_daily(index):
        rows = session_dates(index).searchsorted(session_dates(stamps), side="left")
    else:
        bars = index if index.tz is not None else index.tz_localize("UTC")
        rows = bars.searchsorted(stamps, side="right") - 1
        if (rows < 0).any():
            early = stamps[int(np.argmax(rows < 0))]
            raise DataError(f"a fill at {early} is before the first bar {index[0]}")
    if (rows >= len(index)).any():
        late = stamps[int(np.argmax(rows >= len(index)))]
        raise DataError(f"a fill at {late} is after the last price date {index[-1]}")
    return np.asarray(rows, dtype=np.intp)


def _require_marks(positions: pd.DataFrame, marks: pd.DataFrame) -> None:
    unpriced = (positions != 0.0) & marks.isna()
    if unpriced.to_numpy().any():
        row, column = (int(first[0]) for first in np.nonzero(unpriced.to_numpy()))
        date, symbol = unpriced.index[row], unpriced.columns[column]
        raise DataError(f"{symbol} is held on {date} but has no price on or before that date")


def _closed_trade_pnl(frame: pd.DataFrame) -> pd.Series[float]:
    """Realised P&L per reducing fill, FIFO; fees of opening fills ride with their lots."""
    lots: dict[str, deque[list[float]]] = defaultdict(deque)  # [signed qty, price, fee per unit]
    stamps: list[pd.Timestamp] = []
    pnl: list[float] = []
    rows = zip(
        frame["timestamp"],
        frame["symbol"].astype(str),
        frame["qty"].to_numpy(dtype=float).tolist(),
        frame["price"].to_numpy(dtype=float).tolist(),
        frame["fee"].to_numpy(dtype=float).tolist(),
        strict=True,
    )
    for stamp, symbol, qty, price, fee in rows:
        book = lots[symbol]
        remaining, realised, closed = qty, 0.0, 0.0
        while remaining and book and np.sign(book[0][0]) != np.sign(remaining):
            lot = book[0]
            matched = min(abs(remaining), abs(lot[0]))
            direction = np.sign(lot[0])
            realised += matched * (price - lot[1]) * direction - matched * lot[2]
            closed += matched
            lot[0] -= matched * direction
            remaining += matched * direction
            if abs(lot[0]) < 1e-12:
                book.popleft()
        if closed:
            stamps.append(stamp)
            pnl.append(realised - fee * closed / abs(qty))
        if abs(remaining) > 1e-12:
            book.append([remaining, price, fee / abs(qty)])
    return pd.Series(pnl, index=pd.DatetimeIndex(stamps), dtype="float64", name="trade_pnl")
