"""Accounts: cash, positions with average entry price, and Alpaca's margin arithmetic.

Margin follows section 5.4 of alpaca_api.md:

* multiplier 1 (cash account, or equity under $2,000 at the last close): buying power = cash,
  no shorting;
* multiplier 2 (Reg T, equity at the last close of $2,000 or more):
  ``buying_power = max(0, 2 * (equity - initial_margin))``, initial margin 50 % of gross value;
* multiplier 4 (equity at the last close of $25,000 or more, the legacy day-trading rule):
  ``buying_power = max(0, 4 * (equity - 25 % of gross value))``. Alpaca fixes day-trading buying
  power at the start of the day and draws it down with the day's opening trades; the engine
  values it on current equity instead, which gives the same 4x ceiling without a day ledger.

The account configuration caps the multiplier (``max_margin_multiplier``). Maintenance margin is
30 % of a long's value (100 % under $2.50) and, for shorts, the larger of 30 % and $5 a share
(100 % and $2.50 a share under $5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from workbench.model import Account, OrderSide, Position

__all__ = ["AccountConfig", "AccountSnapshot", "AccountState", "PositionValue", "apply_fill"]

_ZERO = Decimal(0)
_HALF = Decimal("0.5")
_QUARTER = Decimal("0.25")
MARGIN_EQUITY = Decimal(2_000)
DAY_TRADING_EQUITY = Decimal(25_000)

Prices = Callable[[str], Decimal | None]


@dataclass(slots=True)
class AccountConfig:
    """Alpaca's account configuration; the engine enforces the first four."""

    fractional_trading: bool = True
    max_margin_multiplier: int = 4
    no_shorting: bool = False
    suspend_trade: bool = False
    trade_confirm_email: str = "all"
    ptp_no_exception_entry: bool = False
    dtbp_check: str = "entry"
    pdt_check: str = "entry"
    max_options_trading_level: int = 0


@dataclass(slots=True)
class AccountState:
    id: str
    number: str
    created_at: datetime
    cash: Decimal
    config: AccountConfig = field(default_factory=AccountConfig)
    positions: dict[str, Position] = field(default_factory=dict)
    last_equity: Decimal = _ZERO
    last_maintenance_margin: Decimal = _ZERO
    status: str = "ACTIVE"

    def position_qty(self, symbol: str) -> Decimal:
        held = self.positions.get(symbol)
        return held.qty if held is not None else _ZERO

    def multiplier(self) -> int:
        by_equity = (
            1
            if self.last_equity < MARGIN_EQUITY
            else 2
            if self.last_equity < DAY_TRADING_EQUITY
            else 4
        )
        return max(1, min(by_equity, self.config.max_margin_multiplier))

    def shorting_enabled(self) -> bool:
        return self.multiplier() >= 2 and not self.config.no_shorting

    def value(self, prices: Prices) -> AccountSnapshot:
        rows = [PositionValue.of(p, prices(p.symbol)) for p in self.positions.values()]
        long_value = sum((r.market_value for r in rows if r.market_value > 0), _ZERO)
        short_value = sum((r.market_value for r in rows if r.market_value < 0), _ZERO)
        gross = long_value - short_value
        equity = self.cash + long_value + short_value
        initial = gross * _HALF
        maintenance = sum((r.maintenance_margin for r in rows), _ZERO)
        regt = max(_ZERO, 2 * (equity - initial))
        day_trading = max(_ZERO, 4 * (equity - gross * _QUARTER))
        multiplier = self.multiplier()
        buying_power = {1: max(_ZERO, self.cash), 2: regt}.get(multiplier, day_trading)
        return AccountSnapshot(
            state=self,
            cash=self.cash,
            equity=equity,
            long_market_value=long_value,
            short_market_value=short_value,
            initial_margin=initial,
            maintenance_margin=maintenance,
            regt_buying_power=regt if multiplier > 1 else max(_ZERO, self.cash),
            daytrading_buying_power=day_trading if multiplier == 4 else _ZERO,
            non_marginable_buying_power=regt / 2 if multiplier > 1 else max(_ZERO, self.cash),
            buying_power=buying_power,
            multiplier=multiplier,
        )


@dataclass(frozen=True, slots=True)
class PositionValue:
    position: Position
    price: Decimal  # the last trade, or the entry price when the feed has none yet
    market_value: Decimal
    maintenance_margin: Decimal

    @classmethod
    def of(cls, position: Position, price: Decimal | None) -> PositionValue:
        mark = price if price is not None else position.avg_entry_price
        value = position.qty * mark
        if position.qty >= 0:
            rate = Decimal(1) if mark < Decimal("2.5") else Decimal("0.3")
            maintenance = value * rate
        else:
            shares = -position.qty
            floor, rate = (Decimal("2.5"), Decimal(1)) if mark < 5 else (Decimal(5), Decimal("0.3"))
            maintenance = max(shares * floor, -value * rate)
        return cls(position, mark, value, maintenance)


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    state: AccountState
    cash: Decimal
    equity: Decimal
    long_market_value: Decimal
    short_market_value: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    regt_buying_power: Decimal
    daytrading_buying_power: Decimal
    non_marginable_buying_power: Decimal
    buying_power: Decimal
    multiplier: int

    def to_model(self) -> Account:
        return Account(
            id=self.state.id,
            cash=self.cash,
            equity=self.equity,
            buying_power=self.buying_power,
        )


def apply_fill(
    account: AccountState, symbol: str, side: OrderSide, qty: Decimal, price: Decimal
) -> Decimal:
    """Move cash and the position for one execution; returns the position's new signed qty.

    Adding to a position averages the entry price; reducing it keeps the entry price; crossing
    through zero starts a new position at the fill price.
    """
    signed = qty if side is OrderSide.BUY else -qty
    account.cash -= signed * price
    held = account.positions.get(symbol)
    old_qty = held.qty if held is not None else _ZERO
    new_qty = old_qty + signed
    if new_qty == 0:
        account.positions.pop(symbol, None)
        return new_qty
    if held is None or old_qty == 0 or (old_qty > 0) != (new_qty > 0):
        entry = price
    elif (old_qty > 0) == (signed > 0):
        entry = (old_qty * held.avg_entry_price + signed * price) / new_qty
    else:
        entry = held.avg_entry_price
    account.positions[symbol] = Position(symbol=symbol, qty=new_qty, avg_entry_price=entry)
    return new_qty
