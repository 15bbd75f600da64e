"""Engine state as JSON documents and back, for the exchange's SQLite store.

Decimals travel as strings and datetimes as ISO 8601 UTC, so nothing is rounded on the way
through; ``decode_*`` rebuilds the very objects ``encode_*`` was given.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any

from workbench.exchange.matching.accounts import AccountConfig, AccountState
from workbench.exchange.matching.tickets import Ticket
from workbench.model import Order, OrderRequest, Position

__all__ = ["decode_account", "decode_ticket", "encode_account", "encode_ticket"]

_REQUEST_DECIMALS = (
    "qty",
    "notional",
    "limit_price",
    "stop_price",
    "trail_percent",
    "trail_price",
    "take_profit_limit_price",
    "stop_loss_stop_price",
)
_TICKET_TIMES = (
    "submitted_at",
    "expires_at",
    "filled_at",
    "canceled_at",
    "expired_at",
    "failed_at",
    "replaced_at",
    "routed_at",
)
_TICKET_DECIMALS = ("filled_value", "hwm", "trail_stop")
_TICKET_PLAIN = (
    "account_id",
    "asset_id",
    "seq",
    "opening",
    "replaced_by",
    "replaces",
    "triggered",
    "held",
    "parent_id",
)


def encode_ticket(ticket: Ticket) -> dict[str, Any]:
    order = ticket.order
    request = order.request
    document: dict[str, Any] = {
        "id": order.id,
        "client_order_id": order.client_order_id,
        "status": str(order.status),
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "filled_qty": str(order.filled_qty),
        "filled_avg_price": _text(order.filled_avg_price),
        "reason": order.reason,
        "request": {
            "symbol": request.symbol,
            "side": str(request.side),
            "type": str(request.type),
            "time_in_force": str(request.time_in_force),
            "order_class": str(request.order_class),
            "extended_hours": request.extended_hours,
            "client_order_id": request.client_order_id,
            **{name: _text(getattr(request, name)) for name in _REQUEST_DECIMALS},
        },
        "leg_ids": list(ticket.leg_ids),
    }
    for name in _TICKET_TIMES:
        value = getattr(ticket, name)
        document[name] = None if value is None else value.isoformat()
    for name in _TICKET_DECIMALS:
        document[name] = _text(getattr(ticket, name))
    for name in _TICKET_PLAIN:
        document[name] = getattr(ticket, name)
    return document


def decode_ticket(document: dict[str, Any]) -> Ticket:
    raw = document["request"]
    request = OrderRequest(
        symbol=raw["symbol"],
        side=raw["side"],
        type=raw["type"],
        time_in_force=raw["time_in_force"],
        order_class=raw["order_class"],
        extended_hours=raw["extended_hours"],
        client_order_id=raw["client_order_id"],
        **{name: _decimal(raw[name]) for name in _REQUEST_DECIMALS},
    )
    order = Order(
        id=document["id"],
        client_order_id=document["client_order_id"],
        request=request,
        status=document["status"],
        created_at=datetime.fromisoformat(document["created_at"]),
        updated_at=datetime.fromisoformat(document["updated_at"]),
        filled_qty=Decimal(document["filled_qty"]),
        filled_avg_price=_decimal(document["filled_avg_price"]),
        reason=document["reason"],
    )
    fields: dict[str, Any] = {name: document[name] for name in _TICKET_PLAIN}
    for name in _TICKET_TIMES:
        value = document[name]
        fields[name] = None if value is None else datetime.fromisoformat(value)
    for name in _TICKET_DECIMALS:
        fields[name] = _decimal(document[name])
    fields["filled_value"] = fields["filled_value"] or Decimal(0)
    return Ticket(order=order, leg_ids=tuple(document["leg_ids"]), **fields)


def encode_account(account: AccountState) -> dict[str, Any]:
    return {
        "id": account.id,
        "number": account.number,
        "created_at": account.created_at.isoformat(),
        "cash": str(account.cash),
        "config": dataclasses.asdict(account.config),
        "positions": [
            {"symbol": p.symbol, "qty": str(p.qty), "avg_entry_price": str(p.avg_entry_price)}
            for p in account.positions.values()
        ],
        "last_equity": str(account.last_equity),
        "last_maintenance_margin": str(account.last_maintenance_margin),
        "status": account.status,
    }


def decode_account(document: dict[str, Any]) -> AccountState:
    positions = {
        row["symbol"]: Position(
            symbol=row["symbol"],
            qty=Decimal(row["qty"]),
            avg_entry_price=Decimal(row["avg_entry_price"]),
        )
        for row in document["positions"]
    }
    return AccountState(
        id=document["id"],
        number=document["number"],
        created_at=datetime.fromisoformat(document["created_at"]),
        cash=Decimal(document["cash"]),
        config=AccountConfig(**document["config"]),
        positions=positions,
        last_equity=Decimal(document["last_equity"]),
        last_maintenance_margin=Decimal(document["last_maintenance_margin"]),
        status=document["status"],
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
