"""Engine objects in Alpaca's wire shapes (alpaca_api.md section 2), as plain JSON values.

Alpaca's rules that break alpaca-py when missed: numeric fields of accounts, positions and
orders are *strings*; ids are UUIDs; enum values are case-exact; times are RFC 3339 (UTC ``Z``
here, New York offsets on ``/v2/clock``); calendar times are ``HH:MM``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from workbench.exchange.matching.accounts import AccountConfig, AccountSnapshot, PositionValue
from workbench.exchange.matching.book import Book
from workbench.exchange.matching.market import AssetInfo, Session
from workbench.exchange.matching.tickets import Ticket
from workbench.exchange.sessions import NEW_YORK
from workbench.model import OrderSide

__all__ = [
    "account_json",
    "asset_json",
    "calendar_json",
    "clock_json",
    "config_json",
    "money",
    "order_json",
    "position_json",
    "price",
    "quantity",
    "timestamp",
]

_CENT = Decimal("0.01")
_PRICE = Decimal("0.0001")
_QTY = Decimal("1e-9")
_RATIO = Decimal("1e-10")


def _plain(value: Decimal, step: Decimal) -> str:
    text = format(value.quantize(step, rounding=ROUND_HALF_EVEN).normalize(), "f")
    return "0" if text in ("-0", "0E-10") else text


def money(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value, _CENT)


def price(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value, _PRICE)


def quantity(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value, _QTY)


def ratio(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value, _RATIO)


def timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _intent(ticket: Ticket) -> str:
    side = ticket.request.side
    if side is OrderSide.BUY:
        return "buy_to_open" if ticket.opening else "buy_to_close"
    return "sell_to_open" if ticket.opening else "sell_to_close"


def order_json(ticket: Ticket, book: Book | None = None, *, nested: bool = False) -> dict[str, Any]:
    """``nested`` shows a bracket's, OCO's or OTO's legs under it (POST answers and
    ``nested=true`` reads); otherwise ``legs`` is null."""
    order, request = ticket.order, ticket.request
    legs = None
    if nested and book is not None and ticket.leg_ids:
        legs = [order_json(book.tickets[i]) for i in ticket.leg_ids]
    return {
        "id": order.id,
        "client_order_id": order.client_order_id,
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
        "submitted_at": timestamp(ticket.submitted_at),
        "filled_at": timestamp(ticket.filled_at),
        "expired_at": timestamp(ticket.expired_at),
        "expires_at": timestamp(ticket.expires_at),
        "canceled_at": timestamp(ticket.canceled_at),
        "failed_at": timestamp(ticket.failed_at),
        "replaced_at": timestamp(ticket.replaced_at),
        "replaced_by": ticket.replaced_by,
        "replaces": ticket.replaces,
        "asset_id": ticket.asset_id,
        "symbol": request.symbol,
        "asset_class": "us_equity",
        "notional": money(request.notional),
        "qty": quantity(request.qty),
        "filled_qty": quantity(order.filled_qty),
        "filled_avg_price": price(order.filled_avg_price),
        "order_class": str(request.order_class),
        "order_type": str(request.type),
        "type": str(request.type),
        "side": str(request.side),
        "position_intent": _intent(ticket),
        "time_in_force": str(request.time_in_force),
        "limit_price": price(request.limit_price),
        "stop_price": price(ticket.stop_price),
        "status": ticket.wire_status,
        "extended_hours": request.extended_hours,
        "legs": legs,
        "trail_percent": price(request.trail_percent),
        "trail_price": price(request.trail_price),
        "hwm": price(ticket.hwm),
    }


def account_json(snapshot: AccountSnapshot) -> dict[str, Any]:
    state = snapshot.state
    return {
        "id": state.id,
        "account_number": state.number,
        "status": state.status,
        "crypto_status": state.status,
        "currency": "USD",
        "buying_power": money(snapshot.buying_power),
        "regt_buying_power": money(snapshot.regt_buying_power),
        "daytrading_buying_power": money(snapshot.daytrading_buying_power),
        "non_marginable_buying_power": money(snapshot.non_marginable_buying_power),
        "options_buying_power": money(snapshot.non_marginable_buying_power),
        "cash": money(snapshot.cash),
        "accrued_fees": "0",
        "pending_transfer_in": "0",
        "pending_transfer_out": "0",
        "portfolio_value": money(snapshot.equity),
        "equity": money(snapshot.equity),
        "last_equity": money(state.last_equity),
        "long_market_value": money(snapshot.long_market_value),
        "short_market_value": money(snapshot.short_market_value),
        "initial_margin": money(snapshot.initial_margin),
        "maintenance_margin": money(snapshot.maintenance_margin),
        "last_maintenance_margin": money(state.last_maintenance_margin),
        "sma": money(state.last_equity),
        "multiplier": str(snapshot.multiplier),
        "shorting_enabled": state.shorting_enabled(),
        "pattern_day_trader": False,
        "daytrade_count": 0,
        "trading_blocked": state.config.suspend_trade,
        "transfers_blocked": False,
        "account_blocked": False,
        "trade_suspended_by_user": state.config.suspend_trade,
        "created_at": timestamp(state.created_at),
        "options_approved_level": 0,
        "options_trading_level": 0,
    }


def position_json(
    value: PositionValue, asset_id: str, lastday: Decimal | None, held: Decimal
) -> dict[str, Any]:
    """``held``: shares reserved by open closing orders (``qty_available`` is what is left)."""
    position = value.position
    cost = position.qty * position.avg_entry_price
    pl = value.market_value - cost
    plpc = pl / abs(cost) if cost else Decimal(0)
    reference = lastday if lastday is not None else position.avg_entry_price
    intraday = position.qty * (value.price - reference)
    intraday_base = abs(position.qty * reference)
    return {
        "asset_id": asset_id,
        "symbol": position.symbol,
        "exchange": "",
        "asset_class": "us_equity",
        "asset_marginable": True,
        "qty": quantity(position.qty),
        "qty_available": quantity(
            max(Decimal(0), abs(position.qty) - held).copy_sign(position.qty)
        ),
        "avg_entry_price": price(position.avg_entry_price),
        "side": "short" if position.qty < 0 else "long",
        "market_value": money(value.market_value),
        "cost_basis": money(cost),
        "unrealized_pl": money(pl),
        "unrealized_plpc": ratio(plpc),
        "unrealized_intraday_pl": money(intraday),
        "unrealized_intraday_plpc": ratio(
            intraday / intraday_base if intraday_base else Decimal(0)
        ),
        "current_price": price(value.price),
        "lastday_price": price(lastday),
        "change_today": ratio((value.price - lastday) / lastday if lastday else Decimal(0)),
    }


def asset_json(asset: AssetInfo) -> dict[str, Any]:
    return {
        "id": asset.id,
        "class": asset.asset_class,
        "exchange": asset.exchange,
        "symbol": asset.symbol,
        "name": asset.name,
        "status": "active",
        "tradable": asset.tradable,
        "marginable": asset.marginable,
        "maintenance_margin_requirement": 30,
        "margin_requirement_long": "30",
        "margin_requirement_short": "100",
        "shortable": asset.shortable,
        "easy_to_borrow": asset.easy_to_borrow,
        "fractionable": asset.fractionable,
        "attributes": [],
    }


def clock_json(
    now: datetime, is_open: bool, next_open: datetime, next_close: datetime
) -> dict[str, Any]:
    def eastern(moment: datetime) -> str:
        return moment.astimezone(NEW_YORK).isoformat()

    return {
        "timestamp": eastern(now),
        "is_open": is_open,
        "next_open": eastern(next_open),
        "next_close": eastern(next_close),
    }


def calendar_json(session: Session, settlement: Session | None) -> dict[str, Any]:
    def hhmm(moment: datetime, sep: str = ":") -> str:
        return moment.astimezone(NEW_YORK).strftime(f"%H{sep}%M")

    return {
        "date": session.date.isoformat(),
        "open": hhmm(session.open),
        "close": hhmm(session.close),
        "session_open": hhmm(session.premarket, ""),
        "session_close": hhmm(session.after_hours_end, ""),
        "settlement_date": (settlement or session).date.isoformat(),
    }


def config_json(config: AccountConfig) -> dict[str, Any]:
    return {
        "dtbp_check": config.dtbp_check,
        "pdt_check": config.pdt_check,
        "fractional_trading": config.fractional_trading,
        "max_margin_multiplier": str(config.max_margin_multiplier),
        "no_shorting": config.no_shorting,
        "suspend_trade": config.suspend_trade,
        "trade_confirm_email": config.trade_confirm_email,
        "ptp_no_exception_entry": config.ptp_no_exception_entry,
        "max_options_trading_level": config.max_options_trading_level,
    }
