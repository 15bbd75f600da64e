"""What a fill does to a position: average cost, realised P&L, and the cash it moves.

Positions are signed (negative is short). A fill that adds to a position moves the average cost
to the quantity-weighted mean; one that reduces it realises ``(price - avg) * qty`` (mirrored
for shorts) and leaves the average as it was; one that crosses zero closes the old side at its
average and opens the rest at the fill price. Fees are realised losses and leave cash too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workbench.model import OrderSide

__all__ = ["PRICE_PLACES", "PositionState", "apply_fill", "cash_effect", "signed_qty"]

_ZERO = Decimal(0)
#: average costs keep nine decimal places (a hundredth of a micro-cent): exact enough, and
#: they compare equal after a round trip through either database
PRICE_PLACES = Decimal("1e-9")


@dataclass(frozen=True, slots=True)
class PositionState:
    qty: Decimal = _ZERO
    avg_price: Decimal = _ZERO
    realized: Decimal = _ZERO

    def unrealized(self, price: Decimal) -> Decimal:
        return (price - self.avg_price) * self.qty

    def market_value(self, price: Decimal) -> Decimal:
        return price * self.qty


def signed_qty(side: OrderSide, qty: Decimal) -> Decimal:
    return qty if OrderSide(side) is OrderSide.BUY else -qty


def apply_fill(
    state: PositionState, side: OrderSide, qty: Decimal, price: Decimal, fee: Decimal = _ZERO
) -> PositionState:
    change = signed_qty(side, qty)
    held = state.qty
    realized = state.realized - fee
    if held == 0 or (held > 0) == (change > 0):
        total = held + change
        avg = ((held * state.avg_price + change * price) / total).quantize(PRICE_PLACES)
        return PositionState(total, avg, realized)
    closing = min(abs(change), abs(held))
    direction = Decimal(1) if held > 0 else Decimal(-1)
    realized += (price - state.avg_price) * closing * direction
    total = held + change
    if total == 0:
        return PositionState(_ZERO, _ZERO, realized)
    if (total > 0) == (held > 0):
        return PositionState(total, state.avg_price, realized)
    return PositionState(total, price, realized)  # crossed through zero: the rest opens anew


def cash_effect(side: OrderSide, qty: Decimal, price: Decimal, fee: Decimal = _ZERO) -> Decimal:
    """Cash out for a buy, in for a sell, fees out either way."""
    return -signed_qty(side, qty) * price - fee
