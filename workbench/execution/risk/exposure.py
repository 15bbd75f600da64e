"""What one order does to the book: the price it is measured at, its notional, whether it only
reduces a position, and the exposure it leaves.

Measuring is conservative. An order is valued at the larger of the last price and its limit
or stop price (a buy limit above the last price could fill up to the limit). Open orders not
yet filled count when they would add exposure, never when they would take it away: a position
after the order is the larger of "without the open orders" and "with them all filled".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from operator import mul

from workbench.core.errors import DataError
from workbench.execution.risk.context import RiskContext
from workbench.model import OrderRequest, OrderSide, OrderType

__all__ = ["OrderExposure"]

_ZERO = Decimal(0)
_PRICED_AT_LIMIT = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
_PRICED_AT_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})


class OrderExposure:
    """One order measured against one context; the book's exposure is summed on first use."""

    __slots__ = (
        "_book",
        "_value_after",
        "buying",
        "context",
        "held",
        "last",
        "notional",
        "pending",
        "price",
        "qty",
        "reducing",
        "symbol",
    )

    def __init__(self, request: OrderRequest, context: RiskContext) -> None:
        self.context = context
        self.symbol = symbol = request.symbol
        self.buying = request.side is OrderSide.BUY
        last = context.prices.get(symbol)
        #: the last price, None when unknown (a price of 0 or less is no price)
        self.last = last if last is not None and last > 0 else None
        self.held = context.positions.get(symbol, _ZERO)
        self.pending = context.pending.get(symbol, _ZERO)
        self.price = self._measuring_price(request)
        self.qty: Decimal | None
        self.notional: Decimal | None
        if request.qty is not None:
            self.qty = request.qty
            self.notional = None if self.price is None else request.qty * self.price
        else:
            self.notional = notional = _given(request.notional)
            self.qty = None if self.last is None else notional / self.last
        self.reducing = self._reduces(request)
        self._book: tuple[Decimal, tuple[str, ...]] | None = None
        self._value_after: Decimal | None = None

    def _measuring_price(self, request: OrderRequest) -> Decimal | None:
        price = self.last
        if price is None:
            return None
        if request.type in _PRICED_AT_LIMIT and request.limit_price is not None:
            price = max(price, request.limit_price)
        if request.type in _PRICED_AT_STOP and request.stop_price is not None:
            price = max(price, request.stop_price)
        return price

    def _reduces(self, request: OrderRequest) -> bool:
        # what may still be closed once the open orders that already close it have filled
        if self.held > 0 and not self.buying:
            closable = self.held + min(self.pending, _ZERO)
        elif self.held < 0 and self.buying:
            closable = -self.held - max(self.pending, _ZERO)
        else:
            return False
        if request.qty is not None:
            return request.qty <= closable
        if self.last is None:
            return False  # a notional order cannot be sized without a price
        return _given(request.notional) <= closable * self.last

    @property
    def change(self) -> Decimal | None:
        """The signed quantity the order adds (estimated at the last price for notional)."""
        if self.qty is None:
            return None
        return self.qty if self.buying else -self.qty

    def most_short_after(self, change: Decimal) -> Decimal:
        """The lowest the position could be after the order (the short-sale question)."""
        return self.held + change + min(self.pending, _ZERO)

    def position_value_after(self, price: Decimal, notional: Decimal) -> Decimal:
        """|position value| after the order at the measuring price, open orders counted when
        they would make it larger."""
        if self._value_after is None:
            without_pending = self.held * price + (notional if self.buying else -notional)
            with_pending = without_pending + self.pending * price
            self._value_after = max(abs(without_pending), abs(with_pending))
        return self._value_after

    def opening_cost(self, price: Decimal, notional: Decimal, qty: Decimal) -> Decimal:
        """The part of the order that opens or adds to a position (closing frees buying power)."""
        if (self.held > 0 and not self.buying) or (self.held < 0 and self.buying):
            return max(notional - min(qty, abs(self.held)) * price, _ZERO)
        return notional

    def book(self) -> tuple[Decimal, tuple[str, ...]]:
        """Gross exposure of every other symbol held or pending, and the symbols among them
        without a last price (whose exposure cannot be counted)."""
        if self._book is None:
            self._book = _book_exposure(self.context, self.symbol)
        return self._book


def _given(amount: Decimal | None) -> Decimal:
    if amount is None:  # OrderRequest guarantees qty or notional; this keeps the types honest
        raise DataError("an order needs exactly one of qty and notional")
    return amount


def _book_exposure(context: RiskContext, skip: str) -> tuple[Decimal, tuple[str, ...]]:
    positions, pending, prices = context.positions, context.pending, context.prices
    if not pending:
        try:
            # the usual case, in a few passes of C: no open orders, every price there and positive
            book_prices = list(map(prices.__getitem__, positions))
            if not book_prices or min(book_prices) > 0:
                gross = sum(map(mul, map(abs, positions.values()), book_prices), _ZERO)
                own = positions.get(skip)
                return (gross - abs(own) * prices[skip] if own else gross), ()
        except KeyError:
            pass
    quantities: Mapping[str, Decimal] = {
        symbol: max(abs(held), abs(held + pending.get(symbol, _ZERO)))
        for symbol in positions.keys() | pending.keys()
        for held in (positions.get(symbol, _ZERO),)
    }
    held_symbols = [symbol for symbol, qty in quantities.items() if qty and symbol != skip]
    missing = tuple(sorted(s for s in held_symbols if not prices.get(s, _ZERO) > 0))
    counted = (quantities[s] * prices[s] for s in held_symbols if s not in missing)
    gross = sum(counted, _ZERO)
    return gross, missing
