"""A rebalance plan: the orders that take today's positions and cash to target weights.

Targets are weights of the invested part of equity, ``equity * (1 - cash_buffer)``; equity is
cash plus the positions at ``prices``. A symbol trades only when its weight has drifted from
its target by more than ``drift_band`` (absolute weight), and then all the way to the target.
Quantities round towards zero (whole shares, or ``fractional_step``), except a full exit,
which sells exactly what is held. Orders worth less than ``min_trade_value`` are dropped. If
the buys (with costs) would need more than the cash freed by the sells, less the buffer, every
buy is scaled down alike. Sells come first in the plan so that executing in order frees the
cash before it is spent. ``turnover`` is traded value over equity (a full switch from one
stock to another is 2.0); costs are ``cost_bps`` of traded value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pandas as pd

from workbench.analysis._checks import as_float, json_safe
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.model import OrderRequest, OrderSide, OrderType, Position, TimeInForce

__all__ = ["DriftLine", "PlannedOrder", "RebalancePlan", "plan_rebalance"]

WHOLE_SHARE = Decimal(1)
FRACTIONAL_STEP = Decimal("0.000001")
_PRICE_STEP = Decimal("0.0001")
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    symbol: str
    side: OrderSide
    qty: Decimal
    est_price: Decimal
    value: Decimal

    def to_request(self, *, client_order_id: str | None = None) -> OrderRequest:
        """A market day order for execution to submit."""
        return OrderRequest(
            symbol=self.symbol,
            side=self.side,
            qty=self.qty,
            type=OrderType.MARKET,
            time_in_force=TimeInForce.DAY,
            client_order_id=client_order_id,
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


@dataclass(frozen=True, slots=True)
class DriftLine:
    """Weights are of equity; ``drift`` is current - target."""

    symbol: str
    current_weight: float
    target_weight: float
    drift: float
    traded: bool


@dataclass(frozen=True, slots=True)
class RebalancePlan:
    orders: tuple[PlannedOrder, ...]
    equity: Decimal
    cash: Decimal
    est_cash_after: Decimal
    est_costs: Decimal
    turnover: float
    drift: tuple[DriftLine, ...]
    #: symbols past the band whose trade came out below min_trade_value (or zero shares)
    skipped: tuple[str, ...] = ()

    def drift_frame(self) -> pd.DataFrame:
        rows = [json_safe(line) for line in self.drift]
        columns = ["symbol", "current_weight", "target_weight", "drift", "traded"]
        return pd.DataFrame(rows, columns=columns).set_index("symbol")

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def plan_rebalance(
    *,
    positions: Mapping[str, Decimal | int | float | str] | Iterable[Position],
    cash: Decimal | int | float | str,
    prices: Mapping[str, float | Decimal] | pd.Series[float],
    targets: Mapping[str, float] | pd.Series[float],
    drift_band: float = 0.0,
    min_trade_value: float = 0.0,
    cash_buffer: float = 0.0,
    fractional: bool = False,
    fractional_step: Decimal = FRACTIONAL_STEP,
    cost_bps: float = 0.0,
) -> RebalancePlan:
    """The orders from ``positions`` (symbol -> quantity, or model Positions) and ``cash`` to
    ``targets`` (symbol -> weight, summing to at most 1) at ``prices`` (symbol -> latest)."""
    held = _quantities(positions)
    weights = _targets(targets)
    symbols = sorted(set(held) | set(weights.index))
    price = _prices(prices, symbols)
    band = _fraction("drift_band", drift_band, upper_open=False)
    buffer = _fraction("cash_buffer", cash_buffer, upper_open=True)
    floor_value = as_float("min_trade_value", min_trade_value)
    cost_rate = as_float("cost_bps", cost_bps) / 10_000
    step = fractional_step if fractional else WHOLE_SHARE
    cash_amount = _decimal("cash", cash)
    values = {s: float(held.get(s, Decimal(0))) * price[s] for s in symbols}
    equity = float(cash_amount) + sum(values.values())
    if not equity > 0:
        raise DataError(f"equity (cash + positions) must be positive, got {equity:,.2f}")

    drift = [
        _drift(
            symbol, values[symbol] / equity, float(weights.get(symbol, 0.0)) * (1 - buffer), band
        )
        for symbol in symbols
    ]
    deltas = {
        line.symbol: _delta(held.get(line.symbol, Decimal(0)), line, equity, price, step)
        for line in drift
        if line.traded
    }
    deltas = _fit_cash(deltas, price, float(cash_amount) - buffer * equity, cost_rate, step)
    skipped: list[str] = []
    orders: list[PlannedOrder] = []
    for symbol, delta in deltas.items():
        order = _order(symbol, delta, price[symbol])
        if order is None or float(order.value) < floor_value:
            skipped.append(symbol)
            continue
        orders.append(order)
    orders.sort(key=lambda order: (order.side != OrderSide.SELL, order.symbol))
    traded = sum((order.value for order in orders), Decimal(0))
    costs = (traded * Decimal(str(cost_rate))).quantize(_CENT)
    flow = sum(
        (order.value if order.side == OrderSide.SELL else -order.value for order in orders),
        Decimal(0),
    )
    drift = [line if line.symbol not in skipped else _untraded(line) for line in drift]
    return RebalancePlan(
        orders=tuple(orders),
        equity=Decimal(str(equity)).quantize(_CENT),
        cash=cash_amount,
        est_cash_after=cash_amount + flow - costs,
        est_costs=costs,
        turnover=float(traded) / equity,
        drift=tuple(drift),
        skipped=tuple(skipped),
    )


def _drift(symbol: str, current: float, target: float, band: float) -> DriftLine:
    return DriftLine(symbol, current, target, current - target, abs(current - target) > band)


def _delta(
    held: Decimal, line: DriftLine, equity: float, price: Mapping[str, float], step: Decimal
) -> Decimal:
    """Shares to trade to reach the target weight; a full exit sells exactly what is held."""
    if line.target_weight == 0:
        return -held
    return _quantity(line.target_weight * equity / price[line.symbol], step) - held


def _fit_cash(
    deltas: dict[str, Decimal],
    price: Mapping[str, float],
    spendable: float,
    cost_rate: float,
    step: Decimal,
) -> dict[str, Decimal]:
    """Scale every buy down alike when the buys would spend more than there is."""
    proceeds = sum(-float(d) * price[s] * (1 - cost_rate) for s, d in deltas.items() if d < 0)
    spend = sum(float(d) * price[s] * (1 + cost_rate) for s, d in deltas.items() if d > 0)
    available = spendable + proceeds
    if spend <= available or spend == 0:
        return deltas
    scale = max(available, 0.0) / spend
    return {s: (_quantity(float(d) * scale, step) if d > 0 else d) for s, d in deltas.items()}


def _order(symbol: str, delta: Decimal, price: float) -> PlannedOrder | None:
    if delta == 0:
        return None
    est_price = Decimal(str(price)).quantize(_PRICE_STEP)
    qty = abs(delta)
    return PlannedOrder(
        symbol=symbol,
        side=OrderSide.BUY if delta > 0 else OrderSide.SELL,
        qty=qty,
        est_price=est_price,
        value=(qty * est_price).quantize(_CENT),
    )


def _untraded(line: DriftLine) -> DriftLine:
    return DriftLine(line.symbol, line.current_weight, line.target_weight, line.drift, False)


def _quantity(shares: float, step: Decimal) -> Decimal:
    """Towards zero, to a multiple of ``step``: never buy or sell more than planned."""
    exact = Decimal(str(shares))
    return (exact / step).to_integral_value(rounding=ROUND_DOWN) * step


def _quantities(
    positions: Mapping[str, Decimal | int | float | str] | Iterable[Position],
) -> dict[str, Decimal]:
    if isinstance(positions, Mapping):
        return {str(s): _decimal(f"quantity of {s}", q) for s, q in positions.items()}
    held: dict[str, Decimal] = {}
    for position in positions:
        if position.symbol in held:
            raise DataError(f"{position.symbol} appears twice in the positions")
        held[position.symbol] = position.qty
    return held


def _targets(targets: Mapping[str, float] | pd.Series[float]) -> pd.Series[float]:
    weights = pd.Series(dict(targets), dtype="float64")
    if weights.isna().any():
        raise ValidationError(
            f"target weights are NaN for {weights.index[weights.isna()].tolist()}"
        )
    if float(weights.clip(lower=0).sum()) > 1 + 1e-9:
        raise ValidationError(
            f"target weights sum to {float(weights.sum()):.6f}; they must not exceed 1 "
            "(the rest stays in cash)"
        )
    return weights


def _prices(
    prices: Mapping[str, float | Decimal] | pd.Series[float], symbols: list[str]
) -> dict[str, float]:
    given = {str(s): p for s, p in dict(prices).items()}
    missing = [s for s in symbols if s not in given]
    if missing:
        raise NotFound(f"no latest price for {missing}", symbols=missing)
    result = {s: as_float(f"price of {s}", given[s]) for s in symbols}
    bad = [s for s, p in result.items() if not p > 0]
    if bad:
        raise DataError(f"prices must be positive; check {bad}")
    return result


def _fraction(name: str, value: float, *, upper_open: bool) -> float:
    number = as_float(name, value)
    if not (0 <= number < 1 if upper_open else 0 <= number <= 1):
        raise ValidationError(f"{name} must be a fraction in [0, 1{')' if upper_open else ']'}")
    return number


def _decimal(name: str, value: Decimal | int | float | str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise DataError(f"{name} is not a number: {value!r}") from None
    if not number.is_finite():
        raise DataError(f"{name} must be finite, got {value!r}")
    return number
