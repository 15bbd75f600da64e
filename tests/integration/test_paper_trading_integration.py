"""Paper trading through the Alpaca adapter: every order type the system offers, sent the way
the system sends them (the risk gate, the OMS and its ledger, then ``AlpacaBroker`` through
alpaca-py) to the local Alpaca-compatible exchange on a real socket, and each checked three
ways: the ledger's view, the adapter's and the exchange's own answer.

Against Alpaca's real paper endpoint only when asked (``WB_TEST_ALPACA_PAPER=1`` with
``WB_TEST_ALPACA_PAPER_KEY`` / ``WB_TEST_ALPACA_PAPER_SECRET``); skipped otherwise.

Already proven elsewhere, and not repeated here:
- every type and time in force at the exchange through alpaca-py itself, limit prices never
  worse, partial fills adding up, replace and cancel, a bracket's listing
  (``tests/integration/exchange/test_trading_sdk.py``);
- market and limit orders, cancel and replace of a limit, idempotent resends and refusals
  through the adapter (``tests/integration/adapters/test_alpaca_broker.py``);
- a partial fill's whole sequence, cancel and replace from the trading stream
  (``tests/integration/adapters/test_alpaca_trading_stream.py``);
- paper fills equal to the exchange's (``tests/integration/adapters/test_paper_parity.py``).

Prices are the bundled sample's (AAPL opened 2017-01-03 at 115.80, closed at 116.15; its high
on Jan 4 was 116.51).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.exchange.conftest import (
    KEY,
    SECRET,
    Venue,
    sample_lake,
    start_venue,
)
from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig
from workbench.exchange.matching import MatchingConfig
from workbench.execution.states import ledger_status
from workbench.model import (
    OrderClass,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from workbench.ops import trade
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("CON-02", "CON-07", "EXE-08")

__all__ = ["sample_lake", "start_venue"]

BUY, SELL, GTC = OrderSide.BUY, OrderSide.SELL, TimeInForce.GTC
OPT_IN = "WB_TEST_ALPACA_PAPER"


def _trading_on(venue: Venue, sample_lake: Path, home: Path) -> Runtime:
    """A runtime of ``home`` trading on the Alpaca adapter pointed at ``venue``."""
    (home / "lake").symlink_to(sample_lake)
    alpaca = {"api_key": KEY, "secret_key": SECRET, "url": venue.url, "data_url": venue.url}
    return Runtime.from_settings(home=home, ledger_url=None, broker="alpaca", alpaca=alpaca)


@pytest.fixture
def desk(
    start_venue: Callable[..., Venue], sample_lake: Path, wb_home: Path
) -> Iterator[tuple[Runtime, Venue]]:
    """The Alpaca adapter on an exchange one minute before the open of 2017-01-03."""
    venue = start_venue()
    with _trading_on(venue, sample_lake, wb_home) as rt:
        yield rt, venue


def _send(rt: Runtime, **fields: Any) -> int:
    """Through the risk gate and the OMS, as every face sends an order; the ledger id."""
    result = trade.submit(rt, OrderRequest(**fields), actor="test:paper")
    assert result.accepted, result.order.reason
    return result.order.id


def _facts(status: Any, filled: Any, average: Any, kind: Any, limit: Any, stop: Any) -> tuple:
    def number(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    if str(kind) == "trailing_stop":
        stop = None  # the venue's moving stop, not a price anyone gave
    # in the ledger's words: a venue's "new" (live there) is the ledger's "accepted"
    status = ledger_status(OrderStatus(str(status)), number(filled) or Decimal(0))
    return (str(status), number(filled), number(average), str(kind), number(limit), number(stop))


def _three_views(rt: Runtime, venue: Venue, ledger_id: int) -> tuple[tuple, tuple, tuple]:
    """One order as the ledger, the adapter and the exchange each tell it."""
    booked = trade.order(rt, str(ledger_id))
    assert booked.broker_order_id is not None
    seen = rt.broker.get_order(booked.broker_order_id)
    raw = venue.http.get(f"/v2/orders/{booked.broker_order_id}").json()
    return (
        _facts(
            booked.status,
            booked.filled_qty,
            booked.filled_avg_price,
            booked.type,
            booked.limit_price,
            booked.stop_price,
        ),
        _facts(
            seen.status,
            seen.filled_qty,
            seen.filled_avg_price,
            seen.request.type,
            seen.request.limit_price,
            seen.request.stop_price,
        ),
        _facts(
            raw["status"],
            raw["filled_qty"],
            raw["filled_avg_price"],
            raw["type"],
            raw["limit_price"],
            raw["stop_price"],
        ),
    )


def _agree(rt: Runtime, venue: Venue, ledger_id: int) -> tuple:
    ledger, adapter, exchange = _three_views(rt, venue, ledger_id)
    assert ledger == adapter == exchange, ledger_id
    return ledger


def _positions_agree(rt: Runtime, venue: Venue) -> dict[str, Decimal]:
    booked = {p.symbol: p.qty for p in trade.positions(rt)}
    held = {p["symbol"]: Decimal(p["qty"]) for p in venue.http.get("/v2/positions").json()}
    assert booked == held == {p.symbol: p.qty for p in rt.broker.positions()}
    report = trade.reconcile(rt)
    assert (report.differences, report.adopted, report.fills_applied) == ([], [], 0)
    return booked


def test_stop_stop_limit_and_trailing_stops_through_the_oms(desk: tuple[Runtime, Venue]) -> None:
    rt, venue = desk
    sent = {
        "market": _send(rt, symbol="AAPL", side=BUY, qty=10),
        "limit": _send(rt, symbol="AAPL", side=BUY, qty=5, type="limit", limit_price=100),
        "stop": _send(
            rt, symbol="AAPL", side=BUY, qty=5, type="stop", stop_price="116.40", time_in_force=GTC
        ),
        "stop_limit": _send(
            rt, symbol="AAPL", side=BUY, qty=5, type="stop_limit", stop_price="116.40",
            limit_price="116.41", time_in_force=GTC,
        ),
    }  # fmt: skip
    venue.clock(advance="30m")  # the market opened: a trailing stop needs a price to trail
    rt.oms.process_events()
    sent["trail_price"] = _send(
        rt, symbol="AAPL", side=SELL, qty=5, type="trailing_stop", trail_price=1, time_in_force=GTC
    )
    sent["trail_percent"] = _send(
        rt, symbol="AAPL", side=SELL, qty=5, type="trailing_stop", trail_percent=2,
        time_in_force=GTC,
    )  # fmt: skip
    trailing = rt.broker.get_order(trade.order(rt, str(sent["trail_price"])).broker_order_id or "")
    assert (trailing.request.trail_price, trailing.request.type) == (
        Decimal(1),
        OrderType.TRAILING_STOP,
    )
    venue.clock(to="2017-01-10T21:00:00Z")
    rt.oms.process_events()

    final = {name: _agree(rt, venue, ledger_id) for name, ledger_id in sent.items()}
    assert {name: facts[0] for name, facts in final.items()} == {
        "market": "filled",
        "limit": "expired",
        "stop": "filled",
        "stop_limit": "filled",
        "trail_price": "filled",
        "trail_percent": "accepted",  # 2 % under the high: not reached by Jan 10, still working
    }
    assert final["stop"][2] >= Decimal("116.40")  # a buy stop fills at or above its stop
    assert final["stop_limit"][2] <= Decimal("116.41")  # and a stop-limit never above its limit
    assert _positions_agree(rt, venue) == {"AAPL": Decimal(10 + 5 + 5 - 5)}


def test_bracket_oto_and_oco_book_every_leg(desk: tuple[Runtime, Venue]) -> None:
    rt, venue = desk
    bracket = _send(
        rt, symbol="AAPL", side=BUY, qty=10, time_in_force=GTC, order_class=OrderClass.BRACKET,
        take_profit_limit_price="116.2", stop_loss_stop_price=110,
    )  # fmt: skip
    oto = _send(
        rt, symbol="MSFT", side=BUY, qty=10, time_in_force=GTC, order_class=OrderClass.OTO,
        stop_loss_stop_price=50,
    )  # fmt: skip
    _send(rt, symbol="IBM", side=BUY, qty=10)
    venue.clock(to="2017-01-03T21:00:00Z")
    rt.oms.process_events()
    oco = _send(
        rt, symbol="IBM", side=SELL, qty=10, type="limit", limit_price=200, time_in_force=GTC,
        order_class=OrderClass.OCO, take_profit_limit_price=200, stop_loss_stop_price=100,
    )  # fmt: skip
    venue.clock(to="2017-01-04T21:00:00Z")  # the bracket's take-profit at 116.2 is reached
    rt.oms.process_events()

    # the legs are orders of their own: each is on the ledger, told alike by all three
    legs = {
        name: rt.broker.get_order(trade.order(rt, str(parent)).broker_order_id or "").legs
        for name, parent in (("bracket", bracket), ("oto", oto), ("oco", oco))
    }
    assert [(leg.request.type, leg.status) for leg in legs["bracket"]] == [
        (OrderType.LIMIT, OrderStatus.FILLED),
        (OrderType.STOP, OrderStatus.CANCELED),
    ]
    assert [(leg.request.type, leg.status) for leg in legs["oto"]] == [
        (OrderType.STOP, OrderStatus.NEW)
    ]
    assert [leg.request.stop_price for leg in legs["oco"]] == [Decimal(100)]
    ids = {view.broker_order_id: view.id for view in trade.orders(rt)}
    for leg in (leg for group in legs.values() for leg in group):
        _agree(rt, venue, ids[leg.id])
    take_profit = trade.order(rt, str(ids[legs["bracket"][0].id]))
    assert (take_profit.side, take_profit.filled_qty) == ("sell", Decimal(10))
    assert _positions_agree(rt, venue) == {"MSFT": Decimal(10), "IBM": Decimal(10)}

    # canceling an OCO through the OMS cancels its other exit too
    trade.cancel(rt, str(oco), actor="test:paper")
    rt.oms.process_events()
    assert _agree(rt, venue, oco)[0] == "canceled"
    assert _agree(rt, venue, ids[legs["oco"][0].id])[0] == "canceled"


def test_partial_fills_cancel_and_replace_on_a_thin_book(
    start_venue: Callable[..., Venue], sample_lake: Path, wb_home: Path
) -> None:
    # a sliver of each bar's volume: an order fills over several bars
    venue = start_venue(matching=MatchingConfig(max_volume_share=Decimal("2e-7")))
    with _trading_on(venue, sample_lake, wb_home) as rt:
        resting = _send(
            rt, symbol="AAPL", side=BUY, qty=10, type="limit", limit_price=117, time_in_force=GTC
        )
        venue.clock(to="2017-01-03T21:00:00Z")
        rt.oms.process_events()
        status, filled, *_ = _agree(rt, venue, resting)
        assert status == "partially_filled" and 0 < (filled or 0) < 10
        trade.cancel(rt, str(resting), actor="test:paper")
        rt.oms.process_events()
        assert _agree(rt, venue, resting)[:2] == ("canceled", filled)
        assert _positions_agree(rt, venue) == {"AAPL": filled}

        # replace is the Broker port's (no face offers it): the ledger follows the venue
        stop = _send(
            rt, symbol="AAPL", side=BUY, qty=5, type="stop", stop_price=130, time_in_force=GTC
        )
        old = trade.order(rt, str(stop)).broker_order_id or ""
        new = rt.broker.replace(old, stop_price=Decimal(131))
        trail = _send(
            rt, symbol="AAPL", side=SELL, qty=1, type="trailing_stop", trail_price=2,
            time_in_force=GTC,
        )  # fmt: skip
        trail_id = trade.order(rt, str(trail)).broker_order_id or ""
        widened = rt.broker.replace(trail_id, trail=Decimal(3))
        rt.oms.process_events()
        assert _agree(rt, venue, stop)[0] == "replaced"
        ids = {view.broker_order_id: view.id for view in trade.orders(rt)}
        assert _agree(rt, venue, ids[new.id])[5] == Decimal(131)
        raw = venue.http.get(f"/v2/orders/{widened.id}").json()
        assert Decimal(raw["trail_price"]) == widened.request.trail_price == Decimal(3)
        _agree(rt, venue, ids[widened.id])


def _paper_credentials() -> tuple[str, str]:
    if os.environ.get(OPT_IN) != "1":
        pytest.skip(f"Alpaca's paper endpoint is tried only with {OPT_IN}=1 (and keys)")
    key = os.environ.get("WB_TEST_ALPACA_PAPER_KEY")
    secret = os.environ.get("WB_TEST_ALPACA_PAPER_SECRET")
    if not (key and secret):
        pytest.skip("WB_TEST_ALPACA_PAPER_KEY and WB_TEST_ALPACA_PAPER_SECRET are not set")
    return key, secret


def test_alpacas_real_paper_endpoint_when_asked() -> None:
    """A limit far below the market (it cannot fill), read back and canceled: the same adapter
    calls against Alpaca's paper API. Needs the internet; never runs unless opted in."""
    key, secret = _paper_credentials()
    broker = AlpacaBroker(
        AlpacaConfig(
            api_key=key,
            secret_key=secret,
            url="https://paper-api.alpaca.markets",
            data_url="https://data.alpaca.markets",
        )
    )
    assert broker.account().currency == "USD"
    cid = f"wb-paper-test-{uuid.uuid4().hex[:12]}"
    order = broker.submit(
        OrderRequest(
            symbol="SPY",
            side=BUY,
            qty=Decimal(1),
            type=OrderType.LIMIT,
            limit_price=Decimal(1),
            client_order_id=cid,
        )
    )
    try:
        assert broker.get_order_by_client_id(cid).id == order.id
        assert order.request.limit_price == Decimal(1)
    finally:
        broker.cancel(order.id)
    assert broker.get_order(order.id).status in {OrderStatus.CANCELED, OrderStatus.PENDING_CANCEL}
