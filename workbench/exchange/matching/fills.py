"""At what price an order executes against a bar: pure functions, no state.

The replay reveals each bar twice (``BarSlot``): its open at ``opens_at``, then its high, low and
close at ``closes_at``. An order acts only on prices revealed after it arrived:

* **a single print** (``print_price``) - the open of a bar, for orders that arrived by then; or
  the close of the bar under way when the order arrived (the bar's high and low may predate the
  order, so only its last price counts). Market orders fill at the print plus half the spread
  plus slippage (buys pay up, sells receive less); limits marketable at the print fill at that
  price capped by the limit; stops the print crossed trigger and fill like market orders.
  With daily bars this means an order placed during a session fills at that session's close.
* **the range of a bar** (``range_price``) for orders that were working when it opened: resting
  limits fill at their limit when the range reached it (touch); stops trigger when the range
  crossed the stop and fill like market orders from the stop price. A stop-limit triggered
  inside a bar fills in that bar only if its stop price is itself within the limit; otherwise
  it rests as a triggered limit. Trailing stops check the stop they had before the bar, then
  move their high-water mark to the bar's extreme (the order of prices inside a bar is
  unknown; checking first never triggers on a stop the bar itself raised).

Every price is rounded to the tick against the trader, and a limit price is never crossed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workbench.exchange.matching.market import BarSlot, round_price, tick_size, to_decimal
from workbench.exchange.matching.tickets import Ticket
from workbench.model import OrderSide, OrderType

__all__ = ["Pricer", "print_price", "range_price", "trailing_stop"]

_TEN_THOUSAND = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Pricer:
    """The cost of immediacy: half the spread plus slippage, both in basis points."""

    spread_bps: Decimal
    slippage_bps: Decimal

    def market(self, side: OrderSide, reference: Decimal) -> Decimal:
        half = max(reference * self.spread_bps / 2 / _TEN_THOUSAND, tick_size(reference) / 2)
        cost = half + reference * self.slippage_bps / _TEN_THOUSAND
        if side is OrderSide.BUY:
            return round_price(reference + cost, up=True)
        return max(round_price(reference - cost, up=False), tick_size(reference))


def print_price(ticket: Ticket, reference: Decimal, pricer: Pricer) -> Decimal | None:
    """The execution price at a single print ``reference``, or None when the order does not
    trade there. Sets ``ticket.triggered`` when a stop-limit triggers without filling."""
    request = ticket.request
    side = request.side
    kind = request.type
    if kind is OrderType.MARKET:
        return pricer.market(side, reference)
    if kind is OrderType.LIMIT or (kind is OrderType.STOP_LIMIT and ticket.triggered):
        return _marketable_limit(side, reference, _limit(ticket), pricer)
    stop = ticket.stop_price
    if stop is None or not _crossed(side, reference, stop):
        return None
    if kind is OrderType.STOP_LIMIT:
        ticket.triggered = True
        return _marketable_limit(side, reference, _limit(ticket), pricer)
    return pricer.market(side, reference)


def range_price(ticket: Ticket, slot: BarSlot, pricer: Pricer) -> Decimal | None:
    """The execution price inside the bar for an order working since it opened, or None."""
    request = ticket.request
    side = request.side
    high, low = to_decimal(slot.bar.high), to_decimal(slot.bar.low)
    kind = request.type
    if kind is OrderType.MARKET:
        return None  # it had the open
    if kind is OrderType.LIMIT or (kind is OrderType.STOP_LIMIT and ticket.triggered):
        limit = _limit(ticket)
        reached = low <= limit if side is OrderSide.BUY else high >= limit
        return limit if reached else None
    stop = ticket.stop_price
    extreme = high if side is OrderSide.BUY else low
    if stop is None or not _crossed(side, extreme, stop):
        return None
    if kind is OrderType.STOP_LIMIT:
        ticket.triggered = True
        limit = _limit(ticket)
        within = stop <= limit if side is OrderSide.BUY else stop >= limit
        return _cap(side, pricer.market(side, stop), limit) if within else None
    return pricer.market(side, stop)


def trailing_stop(ticket: Ticket, extreme: Decimal) -> tuple[Decimal, Decimal]:
    """The trailing stop's new (high-water mark, stop price) after seeing ``extreme``: the
    highest price for a sell, the lowest for a buy. The mark only ever moves in the trader's
    favour, and the stop follows it by ``trail_price`` or ``trail_percent``."""
    request = ticket.request
    sell = request.side is OrderSide.SELL
    mark = ticket.hwm if ticket.hwm is not None else extreme
    mark = max(mark, extreme) if sell else min(mark, extreme)
    if request.trail_price is not None:
        offset = request.trail_price
    else:
        offset = mark * (request.trail_percent or Decimal(0)) / 100
    stop = round_price(mark - offset, up=False) if sell else round_price(mark + offset, up=True)
    return mark, stop


def _marketable_limit(
    side: OrderSide, reference: Decimal, limit: Decimal, pricer: Pricer
) -> Decimal | None:
    marketable = reference <= limit if side is OrderSide.BUY else reference >= limit
    return _cap(side, pricer.market(side, reference), limit) if marketable else None


def _cap(side: OrderSide, price: Decimal, limit: Decimal) -> Decimal:
    return min(price, limit) if side is OrderSide.BUY else max(price, limit)


def _crossed(side: OrderSide, price: Decimal, stop: Decimal) -> bool:
    return price >= stop if side is OrderSide.BUY else price <= stop


def _limit(ticket: Ticket) -> Decimal:
    limit = ticket.request.limit_price
    if limit is None:  # guarded at submission: limit and stop_limit orders carry one
        raise AssertionError(f"order {ticket.id} has no limit price")
    return limit
