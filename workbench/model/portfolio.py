"""Positions and accounts as a broker or the ledger reports them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workbench.model import _validate
from workbench.model.enums import PositionSide

__all__ = ["Account", "Position"]


@dataclass(frozen=True, slots=True)
class Position:
    """``qty`` is signed: negative for a short."""

    symbol: str
    qty: Decimal
    avg_entry_price: Decimal
    market_price: Decimal | None = None

    def __post_init__(self) -> None:
        _validate.symbol(self.symbol)
        object.__setattr__(self, "qty", _validate.decimal("qty", self.qty))
        object.__setattr__(
            self, "avg_entry_price", _validate.decimal("avg_entry_price", self.avg_entry_price)
        )
        if self.market_price is not None:
            object.__setattr__(
                self, "market_price", _validate.decimal("market_price", self.market_price)
            )

    @property
    def side(self) -> PositionSide:
        return PositionSide.SHORT if self.qty < 0 else PositionSide.LONG

    @property
    def cost_basis(self) -> Decimal:
        return self.qty * self.avg_entry_price

    @property
    def market_value(self) -> Decimal | None:
        return None if self.market_price is None else self.qty * self.market_price

    @property
    def unrealized_pl(self) -> Decimal | None:
        value = self.market_value
        return None if value is None else value - self.cost_basis


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    cash: Decimal
    equity: Decimal
    buying_power: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        for name in ("cash", "equity", "buying_power"):
            object.__setattr__(self, name, _validate.decimal(name, getattr(self, name)))
