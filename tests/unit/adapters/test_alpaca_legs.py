"""``AlpacaBroker`` watches a bracket's legs as well as its entry: the exits are orders of their
own at the venue, and a leg's fill (the position closing) must come out of ``events()`` for the
OMS to book it (a fake ``TradingClient`` answering as alpaca-py's models do)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig
from workbench.model import OrderClass, OrderRequest, OrderSide, OrderType, TimeInForce

pytestmark = pytest.mark.requirement("CON-02", "EXE-08")

T0 = datetime(2017, 1, 3, 14, 29, tzinfo=UTC)


def _raw(order_id: str, side: str, kind: str, status: str, **fields: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "id": order_id,
        "client_order_id": f"c-{order_id}",
        "symbol": "AAPL",
        "side": side,
        "qty": "10",
        "notional": None,
        "type": kind,
        "order_type": kind,
        "time_in_force": "gtc",
        "limit_price": None,
        "stop_price": None,
        "trail_percent": None,
        "trail_price": None,
        "order_class": "bracket",
        "extended_hours": False,
        "status": status,
        "filled_qty": "0",
        "filled_avg_price": None,
        "created_at": T0,
        "updated_at": T0,
        "legs": None,
    }
    values.update(fields)
    return SimpleNamespace(**values)


class _Venue:
    """Answers a bracket: its entry, a take-profit and a stop-loss leg, held until asked."""

    def __init__(self) -> None:
        self.orders = {
            "entry": _raw("entry", "buy", "market", "accepted"),
            "profit": _raw("profit", "sell", "limit", "held", limit_price="116.2"),
            "loss": _raw("loss", "sell", "stop", "held", stop_price="110"),
        }

    def submit_order(self, request: Any) -> SimpleNamespace:
        entry = self.orders["entry"]
        return SimpleNamespace(
            **{**vars(entry), "legs": [self.orders["profit"], self.orders["loss"]]}
        )

    def get_order_by_id(self, order_id: str, nested: Any = None) -> SimpleNamespace:
        return self.orders[order_id]

    def change(self, order_id: str, **fields: Any) -> None:
        later = datetime(2017, 1, 4, 21, tzinfo=UTC)
        self.orders[order_id] = SimpleNamespace(
            **{**vars(self.orders[order_id]), "updated_at": later, **fields}
        )


def test_the_legs_of_a_bracket_are_watched_and_their_fills_reported() -> None:
    venue = _Venue()
    broker = AlpacaBroker(
        AlpacaConfig(
            api_key="k", secret_key="s", url="http://127.0.0.1:9", data_url="http://127.0.0.1:9"
        ),
        client=venue,
    )
    bracket = broker.submit(
        OrderRequest(
            symbol="AAPL",
            side=OrderSide.BUY,
            qty=Decimal(10),
            type=OrderType.MARKET,
            time_in_force=TimeInForce.GTC,
            order_class=OrderClass.BRACKET,
            take_profit_limit_price=Decimal("116.2"),
            stop_loss_stop_price=Decimal(110),
        )
    )
    assert [leg.id for leg in bracket.legs] == ["profit", "loss"]
    assert {(e.order.id, e.kind) for e in broker.events()} == {
        ("entry", "accepted"),
        ("profit", "held"),
        ("loss", "held"),
    }

    venue.change("entry", status="filled", filled_qty="10", filled_avg_price="115.83")
    venue.change("profit", status="filled", filled_qty="10", filled_avg_price="116.2")
    venue.change("loss", status="canceled")
    events = broker.events()
    fills = {e.order.id: (e.fill.side, e.fill.qty, e.fill.price) for e in events if e.fill}
    assert fills == {
        "entry": (OrderSide.BUY, Decimal(10), Decimal("115.83")),
        "profit": (OrderSide.SELL, Decimal(10), Decimal("116.2")),
    }
    assert ("loss", "canceled") in {(e.order.id, e.kind) for e in events}
    assert broker.events() == []  # nothing open is left to poll
