"""What the venue checks before it accepts an order, in Alpaca's order (alpaca_api.md 2.2.3,
5.2, 5.4-5.8). A refusal raises; nothing has been created when it does.

Rules the engine enforces (and Alpaca's wording where it has one):

* the account may trade (``suspend_trade`` off) and the asset exists and is tradable;
* order shape: trailing stops are DAY/GTC; ``extended_hours`` needs a DAY limit; OPG/CLS take
  market or limit orders, OPG not between 09:28 and 19:00 ET, CLS not between 15:50 and 19:00;
  notional only on market orders and at least $1; fractional quantities (or any notional) need a
  fractionable asset, fractional trading on, a simple DAY market/limit/stop/stop-limit order, and
  no short sale; prices on the tick ($0.01 at or above $1, $0.0001 below);
* brackets are DAY/GTC, not extended, and their take-profit lies beyond their stop-loss on the
  profitable side; OCO is a limit order with both exits; OTO has at least one exit;
* selling a long (or covering a short) needs unreserved shares (``insufficient qty available``);
  a short needs shorting enabled (margin account, ``no_shorting`` off) and a shortable,
  easy-to-borrow asset; one order never turns a long into a short or back;
* no market or limit order may cross the account's own open opposite order (wash trade);
* an opening order's cost fits the buying power left after other open opening orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from workbench.exchange.matching.accounts import AccountSnapshot, AccountState
from workbench.exchange.matching.config import MatchingConfig
from workbench.exchange.matching.errors import (
    InsufficientBuyingPower,
    InsufficientQty,
    InvalidOrder,
    TradingForbidden,
    WashTrade,
)
from workbench.exchange.matching.market import AssetInfo, DerivedQuote, Session, tick_size
from workbench.exchange.matching.tickets import Ticket
from workbench.model import OrderClass, OrderRequest, OrderSide, OrderType, TimeInForce

__all__ = [
    "check_account",
    "check_asset",
    "check_buying_power",
    "check_shape",
    "check_wash_trade",
    "classify",
    "held_for_orders",
    "order_cost",
    "session_rules",
]

_ZERO = Decimal(0)
_NINE_PLACES = Decimal("1e-9")
# beyond any real order; also keeps quantize() inside Decimal's 28 digits
_TOO_LARGE = Decimal("1e12")
_AMOUNTS = (
    "qty",
    "notional",
    "limit_price",
    "stop_price",
    "trail_price",
    "trail_percent",
    "take_profit_limit_price",
    "stop_loss_stop_price",
)
_FRACTIONAL_TYPES = frozenset(
    {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT}
)


@dataclass(frozen=True, slots=True)
class SessionRules:
    """Where a new order stands: queued for ``session`` or working now, and when it expires."""

    working: bool
    session: Session
    expires_at: datetime | None


def check_account(account: AccountState) -> None:
    if account.status != "ACTIVE":
        raise TradingForbidden(f"account is {account.status.lower()}")
    if account.config.suspend_trade:
        raise TradingForbidden("trading is suspended for this account (suspend_trade)")


def check_asset(symbol: str, asset: AssetInfo | None) -> AssetInfo:
    if asset is None:
        raise InvalidOrder(f'asset "{symbol}" not found', symbol=symbol)
    if not asset.tradable:
        raise InvalidOrder(f"asset {symbol} is not tradable", symbol=symbol)
    return asset


def is_fractional(request: OrderRequest) -> bool:
    return request.notional is not None or (
        request.qty is not None and request.qty != request.qty.to_integral_value()
    )


def check_shape(
    request: OrderRequest,
    asset: AssetInfo,
    account: AccountState,
    stop_loss_limit_price: Decimal | None = None,
) -> None:
    """Rules on the order alone (no positions, no prices)."""
    kind, tif = request.type, request.time_in_force
    if kind is OrderType.TRAILING_STOP and tif not in (TimeInForce.DAY, TimeInForce.GTC):
        raise InvalidOrder("trailing stop orders must be day or gtc")
    if request.extended_hours and (kind is not OrderType.LIMIT or tif is not TimeInForce.DAY):
        raise InvalidOrder("extended hours order must be DAY limit orders")
    if tif in (TimeInForce.OPG, TimeInForce.CLS) and kind not in (
        OrderType.MARKET,
        OrderType.LIMIT,
    ):
        raise InvalidOrder(f"{tif} orders must be market or limit orders")
    if request.notional is not None:
        if kind is not OrderType.MARKET:
            raise InvalidOrder("notional orders must be market orders")
        if request.notional < 1:
            raise InvalidOrder("notional must be at least $1")
    for name in _AMOUNTS:
        amount = getattr(request, name)
        if amount is not None and amount >= _TOO_LARGE:
            raise InvalidOrder(f"{name} is too large")
    if stop_loss_limit_price is not None and stop_loss_limit_price >= _TOO_LARGE:
        raise InvalidOrder("stop_loss.limit_price is too large")
    for name, amount in (("qty", request.qty), ("notional", request.notional)):
        if amount is not None and amount != amount.quantize(_NINE_PLACES):
            raise InvalidOrder(f"{name} can have at most 9 decimal places")
    if is_fractional(request):
        _check_fractional(request, asset, account)
    for name in ("limit_price", "stop_price", "take_profit_limit_price", "stop_loss_stop_price"):
        _check_tick(name, getattr(request, name))
    _check_tick("stop_loss.limit_price", stop_loss_limit_price)
    _check_class(request)


def _check_fractional(request: OrderRequest, asset: AssetInfo, account: AccountState) -> None:
    if not asset.fractionable:
        raise InvalidOrder(f'asset "{asset.symbol}" is not fractionable')
    if not account.config.fractional_trading:
        raise InvalidOrder("fractional trading is disabled for this account")
    if request.time_in_force is not TimeInForce.DAY:
        raise InvalidOrder("fractional orders must be DAY orders")
    if request.type not in _FRACTIONAL_TYPES or request.order_class is not OrderClass.SIMPLE:
        raise InvalidOrder("fractional orders must be simple market, limit or stop orders")


def _check_tick(name: str, price: Decimal | None) -> None:
    if price is not None and price != price.quantize(tick_size(price)):
        raise InvalidOrder(
            f"invalid {name} {price}. sub-penny increment does not fulfill minimum pricing criteria"
        )


def _check_class(request: OrderRequest) -> None:
    klass = request.order_class
    take, stop = request.take_profit_limit_price, request.stop_loss_stop_price
    if klass is OrderClass.SIMPLE:
        if take is not None or stop is not None:
            raise InvalidOrder("take_profit and stop_loss need order_class bracket, oco or oto")
        return
    if request.time_in_force not in (TimeInForce.DAY, TimeInForce.GTC):
        raise InvalidOrder(f"{klass} orders must be day or gtc")
    if request.extended_hours:
        raise InvalidOrder(f"extended hours are not supported for {klass} orders")
    if klass is OrderClass.OTO:
        if take is None and stop is None:
            raise InvalidOrder("oto orders need take_profit or stop_loss")
        return
    if take is None or stop is None:
        raise InvalidOrder(f"{klass} orders need both take_profit and stop_loss")
    if klass is OrderClass.OCO and request.type is not OrderType.LIMIT:
        raise InvalidOrder("oco orders must be limit orders")
    # a bracket's exits take the other side of its entry; an OCO order is itself the exit
    exit_sells = request.side is (OrderSide.BUY if klass is OrderClass.BRACKET else OrderSide.SELL)
    if exit_sells and not take > stop:
        raise InvalidOrder("take_profit.limit_price must be greater than stop_loss.stop_price")
    if not exit_sells and not take < stop:
        raise InvalidOrder("take_profit.limit_price must be less than stop_loss.stop_price")


def session_rules(
    request: OrderRequest, now: datetime, current: Session | None, following: Session | None
) -> SessionRules:
    """``current`` is the session under way at ``now`` (extended hours included) or the next;
    ``following`` the one after it. Alpaca queues what arrives while its market is closed."""
    if current is None or following is None:
        raise InvalidOrder("the market calendar has no session after this time")
    tif = request.time_in_force
    eastern_19h = current.premarket + timedelta(hours=15)
    if tif is TimeInForce.OPG:
        if current.open - timedelta(minutes=2) <= now < eastern_19h:
            raise InvalidOrder("opg orders are not accepted between 9:28am and 7:00pm ET")
        target = current if now < current.open else following
        return SessionRules(False, target, None)
    if tif is TimeInForce.CLS:
        if current.close - timedelta(minutes=10) <= now < eastern_19h:
            raise InvalidOrder("cls orders are not accepted between 3:50pm and 7:00pm ET")
        target = current if now < current.close else following
        return SessionRules(False, target, None)
    if request.extended_hours:
        working = current.is_extended(now)
        return SessionRules(working, current, current.after_hours_end)
    target = current if now < current.close else following
    working = target.is_regular(now)
    expires = target.close if tif is TimeInForce.DAY else None
    return SessionRules(working, target, expires)


def held_for_orders(tickets: Iterable[Ticket], symbol: str, side: OrderSide) -> Decimal:
    """Shares reserved by open, routed orders on ``side``. The exits of one bracket or OCO
    share their shares (only one can fill), so a group counts once, at its largest."""
    groups: dict[str, Decimal] = {}
    for ticket in tickets:
        if not ticket.is_open or ticket.held or ticket.symbol != symbol:
            continue
        if ticket.request.side is not side:
            continue
        remaining = ticket.remaining_qty
        if remaining is None:
            continue
        key = ticket.parent_id or ticket.id
        groups[key] = max(groups.get(key, _ZERO), remaining)
    return sum(groups.values(), _ZERO)


def classify(
    request: OrderRequest,
    account: AccountState,
    asset: AssetInfo,
    tickets: Iterable[Ticket],
    quote: DerivedQuote | None,
) -> bool:
    """True for an opening order (it grows or starts a position), False for a closing one.
    Raises when the shares are not there, or when a short sale is not allowed."""
    held = account.position_qty(request.symbol)
    side = request.side
    qty = _estimated_qty(request, quote)
    closing = (held > 0 and side is OrderSide.SELL) or (held < 0 and side is OrderSide.BUY)
    if closing:
        reserved = held_for_orders(tickets, request.symbol, side)
        if qty is not None and qty > abs(held) - reserved:
            raise InsufficientQty(request.symbol, qty, held, reserved)
        return False
    if side is OrderSide.SELL:
        _check_short(request, account, asset)
    return True


def _check_short(request: OrderRequest, account: AccountState, asset: AssetInfo) -> None:
    if is_fractional(request):
        raise InsufficientQty(request.symbol, request.qty or _ZERO, _ZERO, _ZERO)
    if not account.shorting_enabled():
        raise TradingForbidden("account is not allowed to short", symbol=request.symbol)
    if not (asset.shortable and asset.easy_to_borrow):
        raise TradingForbidden(f"asset {asset.symbol} cannot be sold short", symbol=asset.symbol)


def _estimated_qty(request: OrderRequest, quote: DerivedQuote | None) -> Decimal | None:
    if request.qty is not None:
        return request.qty
    if request.notional is None or quote is None:
        return None
    price = quote.ask if request.side is OrderSide.BUY else quote.bid
    return (request.notional / price).quantize(_NINE_PLACES) if price > 0 else None


def check_wash_trade(request: OrderRequest, tickets: Iterable[Ticket]) -> None:
    """An order that could trade against the account's own open opposite order is refused;
    brackets and OCO exits are exempt (alpaca_api.md 5.7)."""
    if request.order_class is not OrderClass.SIMPLE or request.type not in (
        OrderType.MARKET,
        OrderType.LIMIT,
    ):
        return
    related = []
    for other in tickets:
        if not other.is_open or other.held or other.symbol != request.symbol:
            continue
        theirs = other.request
        if theirs.side is request.side or theirs.order_class is not OrderClass.SIMPLE:
            continue
        if theirs.type not in (OrderType.MARKET, OrderType.LIMIT):
            continue
        if _crosses(request, theirs):
            related.append(other.id)
    if related:
        raise WashTrade(related)


def _crosses(mine: OrderRequest, theirs: OrderRequest) -> bool:
    if mine.limit_price is None or theirs.limit_price is None:
        return True  # a market order crosses anything on the other side
    if mine.side is OrderSide.BUY:
        return mine.limit_price >= theirs.limit_price
    return mine.limit_price <= theirs.limit_price


def order_cost(
    ticket_or_request: Ticket | OrderRequest, quote: DerivedQuote | None, config: MatchingConfig
) -> Decimal:
    """Buying power an opening order takes while open: its remaining size at its limit (or stop),
    or at the far side of the quote plus the market collar; a short at least 103 % of the ask."""
    if isinstance(ticket_or_request, Ticket):
        request = ticket_or_request.request
        qty, notional = ticket_or_request.remaining_qty, ticket_or_request.remaining_notional
    else:
        request = ticket_or_request
        qty, notional = request.qty, request.notional
    if notional is not None:
        return notional
    assert qty is not None
    collared = None if quote is None else quote.ask * (1 + config.market_collar)
    reference = request.limit_price if request.limit_price is not None else request.stop_price
    if reference is None:
        reference = collared
    elif request.side is OrderSide.SELL and collared is not None:
        reference = max(reference, collared)
    if reference is None:
        raise InvalidOrder(f"no market price for {request.symbol} yet", symbol=request.symbol)
    return qty * reference


def check_buying_power(
    request: OrderRequest,
    snapshot: AccountSnapshot,
    tickets: Iterable[Ticket],
    quote_of: dict[str, DerivedQuote | None],
    config: MatchingConfig,
) -> None:
    reserved = sum(
        (
            order_cost(t, quote_of.get(t.symbol), config)
            for t in tickets
            if t.is_open and t.opening and not t.held
        ),
        _ZERO,
    )
    required = order_cost(request, quote_of.get(request.symbol), config)
    available = snapshot.buying_power - reserved
    if required > available:
        raise InsufficientBuyingPower(required, max(available, _ZERO))
