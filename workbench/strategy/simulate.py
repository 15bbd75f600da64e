"""From a strategy's decisions to a vectorbt portfolio, for one parameter set or many at once.

Many parameter sets run as one vectorbt simulation whose columns are (parameter set, symbol),
combo-major: that is vectorbt's parameter broadcasting, and what makes a grid fast. A
``Layout`` says how those columns form portfolios: one per parameter set over all symbols
(cash-shared or in sleeves), or one per column (``separate``, for per-symbol grids).

Signal strategies go through ``_kernel.plan_signal_orders`` (targets and stops) and allocation
strategies straight to target weights; both end in ``Portfolio.from_orders`` with target sizes,
the fill price of each order (open or close, or a stop level) and the costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis.indicators import realized_volatility
from workbench.core.errors import DataError, ValidationError
from workbench.strategy import _vbt
from workbench.strategy.base import Bars, Signals
from workbench.strategy.config import BacktestConfig

__all__ = ["Layout", "Plan", "equity_matrix", "plan_signals", "plan_targets", "run_portfolio"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# vectorbt's SizeType codes
_TARGET_AMOUNT, _TARGET_VALUE, _TARGET_PERCENT = 3, 4, 5
_SIZE_TYPES = {
    "percent": _TARGET_PERCENT,
    "vol_target": _TARGET_PERCENT,
    "value": _TARGET_VALUE,
    "shares": _TARGET_AMOUNT,
}
_DUMMY = np.zeros((1, 1), dtype=bool)


@dataclass(frozen=True, slots=True)
class Layout:
    n_combos: int
    n_symbols: int
    separate: bool = False

    @property
    def n_columns(self) -> int:
        return self.n_combos * self.n_symbols

    @property
    def n_portfolios(self) -> int:
        return self.n_columns if self.separate else self.n_combos

    def symbol_of(self) -> npt.NDArray[np.int64]:
        return np.tile(np.arange(self.n_symbols, dtype=np.int64), self.n_combos)

    def group_by(self) -> npt.NDArray[np.int64] | None:
        if self.separate:
            return None
        return np.repeat(np.arange(self.n_combos, dtype=np.int64), self.n_symbols)

    def slots(self, config: BacktestConfig) -> int:
        """Positions that share one equity: the unit of an equal slice."""
        return self.n_symbols if config.cash_sharing and not self.separate else 1


@dataclass(frozen=True, eq=False)
class Plan:
    """Orders for every (bar, column): a target (NaN for none), its price and fee rate, and
    why it was placed (``_kernel.REASONS`` code times the side; None for allocations)."""

    size: FloatArray
    price: FloatArray
    fees: FloatArray | float
    size_type: int
    reason: npt.NDArray[np.int8] | None

    @property
    def n_orders(self) -> int:
        return int(np.isfinite(self.size).sum())


def plan_signals(
    signals: Sequence[Signals],
    bars: Bars,
    config: BacktestConfig,
    layout: Layout,
    *,
    first_decision: int = 0,
) -> Plan:
    """Target orders from signals, one ``Signals`` per parameter set; signals at bars before
    ``first_decision`` are ignored (those bars only warm the indicators up)."""
    kernel = _vbt.kernel()
    le, lx, se, sx = (_stack(signals, bars, config, side, first_decision) for side in range(4))
    shape = (len(bars), layout.n_columns)
    size, price = np.empty(shape), np.empty(shape)
    reason = np.empty(shape, dtype=np.int8)
    exec_price = _exec_price(bars, config)
    kernel.plan_signal_orders(
        _dummy(le),
        _dummy(lx),
        _dummy(se),
        _dummy(sx),
        np.array([a is not None for a in (le, lx, se, sx)]),
        layout.symbol_of(),
        _magnitude(bars, config, layout),
        exec_price,
        _values(bars.open),
        _values(bars.high),
        _values(bars.low),
        config.lag,
        np.array(
            [_or_nan(config.stop_loss), _or_nan(config.take_profit), _or_nan(config.trailing_stop)]
        ),
        float(config.slippage),
        size,
        price,
        reason,
    )
    fees = _fee_rates(config, price, np.sign(reason))
    return Plan(size, price, fees, _SIZE_TYPES[config.sizing.method], reason)


def plan_targets(
    targets: Sequence[pd.DataFrame],
    bars: Bars,
    config: BacktestConfig,
    layout: Layout,
    *,
    first_decision: int = 0,
) -> Plan:
    """Target-weight orders from allocation targets (NaN rows: no rebalance that bar);
    targets at bars before ``first_decision`` are ignored."""
    if config.has_stops:
        raise ValidationError("stops apply to signal strategies; allocation strategies rebalance")
    if not config.cash_sharing or layout.separate:
        raise ValidationError(
            "allocation strategies weigh symbols against each other: they "
            "need cash_sharing and one portfolio per parameter set"
        )
    weights = np.hstack([_values(t) for t in targets])
    weights[:first_decision] = np.nan
    _check_signs(weights, config)
    size = np.full_like(weights, np.nan)
    lag = config.lag
    size[lag:] = weights[: len(weights) - lag]
    exec_price = np.tile(_exec_price(bars, config), (1, layout.n_combos))
    price = np.where(np.isfinite(size), exec_price, np.nan)
    # the side of a rebalance order depends on the drift, unknown here: per-share fees are
    # charged as a fraction of the unslipped price (off by the slippage fraction of the fee)
    fees = _fee_rates(config, price, np.zeros(price.shape, dtype=np.int8))
    return Plan(size, price, fees, _TARGET_PERCENT, None)


def run_portfolio(plan: Plan, bars: Bars, config: BacktestConfig, layout: Layout) -> Any:
    """One vectorbt simulation of the plan (a ``vectorbt.Portfolio``)."""
    vbt = _vbt.vectorbt()
    close = np.tile(_values(bars.close), (1, layout.n_combos))
    if layout.separate:
        init_cash: float | FloatArray = config.initial_cash
    elif config.cash_sharing:
        init_cash = np.full(layout.n_combos, config.initial_cash)
    else:
        init_cash = np.full(layout.n_columns, config.initial_cash / layout.n_symbols)
    shared = config.cash_sharing and not layout.separate
    # vectorbt values a column at its last order price until it trades again, so a target
    # percent of a shared equity would be of a stale equity; value every column at the price
    # of the moment instead (the open for next-open fills, the close for close fills)
    valuation = np.tile(_exec_price(bars, config), (1, layout.n_combos)) if shared else np.inf
    return vbt.Portfolio.from_orders(
        close,
        size=plan.size,
        size_type=plan.size_type,
        direction="both",  # the plan already respects the configured direction
        price=plan.price,
        val_price=valuation,
        fees=plan.fees,
        slippage=config.slippage,
        init_cash=init_cash,
        cash_sharing=shared,
        group_by=layout.group_by(),
        call_seq="auto" if shared else "default",  # sell first, so buys find the cash
        max_orders=plan.n_orders + 1,  # the default reserves one record per cell: GBs on a grid
    )


def equity_matrix(portfolio: Any) -> FloatArray:
    """Equity of every portfolio (bars x portfolios), as floats."""
    values = portfolio.value()
    array = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    return np.asarray(array, dtype=np.float64).reshape(len(array), -1)


def _stack(
    signals: Sequence[Signals], bars: Bars, config: BacktestConfig, side: int, first: int
) -> BoolArray | None:
    """Long entries (0), long exits (1), short entries (2) or short exits (3), all columns."""
    parts = [_directional(s.aligned(bars), config)[side] for s in signals]
    if any(p is None for p in parts):
        return None
    stacked = np.hstack([np.asarray(p, dtype=bool) for p in parts])
    stacked[:first] = False
    return stacked


def _directional(
    s: Signals, config: BacktestConfig
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]:
    if config.direction == "long":
        return s.entries, s.exits, None, None
    if config.direction == "short":
        if s.has_short:
            return None, None, s.short_entries, s.short_exits
        return None, None, s.entries, s.exits
    if s.has_short:
        return s.entries, s.exits, s.short_entries, s.short_exits
    # no short signals of its own: an exit reverses to short, an entry back to long
    return s.entries, None, s.exits, None


def _dummy(array: BoolArray | None) -> BoolArray:
    return _DUMMY if array is None else np.ascontiguousarray(array)


def _exec_price(bars: Bars, config: BacktestConfig) -> FloatArray:
    return _values(bars.open if config.execution == "next_open" else bars.close)


def _magnitude(bars: Bars, config: BacktestConfig, layout: Layout) -> FloatArray:
    sizing, shape = config.sizing, bars.close.shape
    if sizing.method in ("value", "shares"):
        return np.full(shape, float(sizing.size or 0.0))
    slice_ = 1.0 / layout.slots(config)
    if sizing.method == "percent":
        return np.full(shape, sizing.size if sizing.size is not None else slice_)
    volatility = pd.DataFrame(
        {s: realized_volatility(bars.close[s], sizing.vol_window) for s in bars.symbols},
        index=bars.index,
    )
    weight = (sizing.target_vol / _values(volatility)) * slice_
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(weight), np.minimum(weight, sizing.max_weight), np.nan)


def _fee_rates(
    config: BacktestConfig, price: FloatArray, side: npt.NDArray[Any]
) -> FloatArray | float:
    if config.fee_per_share == 0:
        return float(config.fees)
    # vectorbt charges fees as a fraction of the fill value, and the fill is at
    # price * (1 +/- slippage): dividing the per-share fee by that fill gives it exactly
    fill = price * (1.0 + config.slippage * side)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = config.fees + config.fee_per_share / fill
    return np.where(np.isfinite(rates), rates, 0.0)


def _check_signs(weights: FloatArray, config: BacktestConfig) -> None:
    if config.direction == "long" and np.nanmin(weights, initial=0.0) < 0:
        raise DataError("the strategy gave negative weights but direction is long")
    if config.direction == "short" and np.nanmax(weights, initial=0.0) > 0:
        raise DataError("the strategy gave positive weights but direction is short")


def _values(frame: pd.DataFrame) -> FloatArray:
    return np.ascontiguousarray(frame.to_numpy(dtype=np.float64, na_value=np.nan))


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else float(value)
