"""``AlpacaBroker.events()`` fed by alpaca-py's TradingStream against the local exchange, with
polling as the fallback. The exchange lets one symbol's orders take a tiny share of each daily
bar's volume, so a 10-share AAPL order fills over several sessions (partial fills)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from tests.integration.adapters.streaming import wait_for
from tests.integration.exchange.conftest import KEY, SECRET, Venue
from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig
from workbench.adapters.ports import BrokerEvent
from workbench.exchange.matching.config import MatchingConfig
from workbench.model import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from workbench.testing import wait_until

pytestmark = pytest.mark.requirement("CON-03")

#: 2e-7 of AAPL's daily volume: 5 shares on 2017-01-03, 4 on 01-04, the last one on 01-05
THIN = MatchingConfig(max_volume_share=Decimal("0.0000002"))


@pytest.fixture
def thin_venue(start_venue: Callable[..., Venue]) -> Venue:
    return start_venue(matching=THIN)


@pytest.fixture
def make_broker(thin_venue: Venue) -> Iterator[Callable[..., AlpacaBroker]]:
    built: list[AlpacaBroker] = []

    def build(**options: bool) -> AlpacaBroker:
        config = AlpacaConfig(
            api_key=KEY,
            secret_key=SECRET,
            url=thin_venue.url,
            data_url=thin_venue.url,
            retry_wait_s=0.05,
            reconnect_min_s=0.05,
            reconnect_max_s=0.2,
        )
        broker = AlpacaBroker(config, stream=True, **options)
        built.append(broker)
        wait_for(lambda: broker.streaming, "the trading stream to listen")
        return broker

    yield build
    for broker in built:
        broker.close()


def _limit(qty: int = 10, price: int = 120) -> OrderRequest:
    return OrderRequest(
        symbol="AAPL",
        side=OrderSide.BUY,
        qty=Decimal(qty),
        type=OrderType.LIMIT,
        limit_price=Decimal(price),
        time_in_force=TimeInForce.GTC,
    )


def _collect(
    broker: AlpacaBroker, seen: list[BrokerEvent], done: Callable[[list[BrokerEvent]], bool]
) -> list[BrokerEvent]:
    """Call ``events()`` until ``done`` holds for everything seen so far (bounded)."""

    def looked() -> bool:
        seen.extend(broker.events())
        return done(seen)

    wait_until(looked, what=lambda: f"the events; so far: {_kinds(seen)}")
    return seen


def _stream_caught_up(broker: AlpacaBroker, venue: Venue) -> list[BrokerEvent]:
    """What the stream still had in flight. A marker order placed and canceled behind the
    broker's back streams after every earlier update on the same link, and no poll can know it
    before the stream reports it: once it shows, every late copy has arrived. The marker's own
    events are left out."""
    from alpaca.trading.requests import LimitOrderRequest

    client = venue.trading()
    marker = client.submit_order(
        LimitOrderRequest(symbol="AAPL", qty=1, side="buy", limit_price=1, time_in_force="gtc")
    )
    client.cancel_order_by_id(marker.id)
    seen: list[BrokerEvent] = []

    def marker_seen() -> bool:
        seen.extend(broker.events())
        return any(e.order.id == str(marker.id) for e in seen)

    wait_for(marker_seen, "the stream to catch up (the marker order)")
    return [e for e in seen if e.order.id != str(marker.id)]


def _kinds(events: list[BrokerEvent]) -> list[str]:
    return [event.kind for event in events]


def _filled(events: list[BrokerEvent]) -> Decimal:
    return sum((e.fill.qty for e in events if e.fill is not None), Decimal(0))


def _play_three_sessions(venue: Venue) -> None:
    for close in ("2017-01-03T21:00:00Z", "2017-01-04T21:00:00Z", "2017-01-05T21:00:00Z"):
        venue.clock(to=close)


def test_an_order_filled_in_parts_arrives_as_its_whole_sequence(
    make_broker: Callable[..., AlpacaBroker], thin_venue: Venue
) -> None:
    broker = make_broker()
    order = broker.submit(_limit())
    _play_three_sessions(thin_venue)
    events = _collect(broker, [], lambda seen: "fill" in _kinds(seen))
    assert _kinds(events) == ["accepted", "new", "partial_fill", "partial_fill", "fill"]
    assert all(e.order.id == order.id for e in events)
    fills = [e.fill for e in events if e.fill is not None]
    assert [f.qty for f in fills] == [Decimal(5), Decimal(4), Decimal(1)]
    assert all(f.fill_id for f in fills)  # each is the stream's own execution
    assert [e.order.filled_qty for e in events[2:]] == [Decimal(5), Decimal(9), Decimal(10)]
    assert events[-1].order.status is OrderStatus.FILLED
    final = broker.get_order(order.id)
    assert sum(f.qty * f.price for f in fills) == final.filled_qty * (
        final.filled_avg_price or Decimal(0)
    )
    assert broker.events() == []


def test_cancel_and_replace_arrive_from_the_stream(
    make_broker: Callable[..., AlpacaBroker], thin_venue: Venue, caplog: pytest.LogCaptureFixture
) -> None:
    broker = make_broker()
    doomed = broker.submit(_limit(price=100))
    kept = broker.submit(_limit(price=100))
    thin_venue.clock(to="2017-01-03T14:31:00Z")  # the open: both go new
    seen = _collect(broker, [], lambda seen: _kinds(seen).count("new") == 2)
    broker.cancel(doomed.id)
    new = broker.replace(kept.id, qty=Decimal(3), limit_price=Decimal(101))
    seen = _collect(broker, seen, lambda seen: {"canceled", "replaced"} <= set(_kinds(seen)))
    of_doomed = [e.kind for e in seen if e.order.id == doomed.id]
    of_kept = [e.kind for e in seen if e.order.id == kept.id]
    assert of_doomed == ["accepted", "new", "canceled"]
    assert of_kept == ["accepted", "new", "replaced"]
    replaced = next(e for e in seen if e.kind == "replaced")
    assert replaced.order.status is OrderStatus.REPLACED
    of_new = [e for e in seen if e.order.id == new.id]
    assert len(of_new) == 1 and of_new[0].order.request.qty == Decimal(3)
    assert broker.events() == []
    broker.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not broker.streaming
    assert "alpaca-trade-updates" not in {thread.name for thread in threading.enumerate()}
    broker.cancel(new.id)
    assert [e.kind for e in broker.events()] == ["canceled"]  # polling carries on


def test_stream_and_polling_together_report_each_change_once(
    make_broker: Callable[..., AlpacaBroker], thin_venue: Venue
) -> None:
    broker = make_broker(poll_while_streaming=True)
    order = broker.submit(_limit())
    seen: list[BrokerEvent] = []
    for close in ("2017-01-03T21:00:00Z", "2017-01-04T21:00:00Z", "2017-01-05T21:00:00Z"):
        thin_venue.clock(to=close)
        seen.extend(broker.events())  # a poll that may run ahead of the stream
    events = _collect(broker, seen, lambda seen: _filled(seen) == 10)
    events += _stream_caught_up(broker, thin_venue)  # late stream copies: they must be dropped
    kinds = _kinds(events)
    # a poll that ran ahead of the stream folds "new" into the fill it saw; the stream's late
    # "new" is then dropped, not reported out of order
    assert kinds[0] == "accepted" and kinds[-1] == "fill" and kinds.count("new") <= 1
    assert set(kinds[1:-1]) <= {"new", "partial_fill"}
    assert _filled(events) == Decimal(10)  # no execution twice, none missing
    assert all(e.order.id == order.id for e in events)


def test_a_dropped_trading_stream_is_covered_by_polling_and_comes_back(
    make_broker: Callable[..., AlpacaBroker], thin_venue: Venue
) -> None:
    broker = make_broker()
    order = broker.submit(_limit())
    seen = _collect(broker, [], lambda seen: _kinds(seen) == ["accepted"])
    thin_venue.http.post("/admin/faults", json={"drop_streams": True})
    thin_venue.clock(to="2017-01-03T21:00:00Z")  # new and 5 shares, perhaps while it was away
    seen = _collect(broker, seen, lambda seen: _filled(seen) == 5)
    wait_for(lambda: broker.streaming, "the trading stream to come back")
    seen += broker.events()  # the one poll that covers the outage, as a runner's next look
    thin_venue.clock(to="2017-01-05T21:00:00Z")
    events = _collect(broker, seen, lambda seen: _filled(seen) == 10)
    events += _stream_caught_up(broker, thin_venue)
    kinds = _kinds(events)
    # a poll sees where the order stands, so "new" may be folded into the first fill it sees
    assert kinds[0] == "accepted" and kinds[-1] == "fill"
    assert set(kinds[1:-1]) <= {"new", "partial_fill"} and kinds.count("new") <= 1
    assert _filled(events) == Decimal(10)
    last = events[-1].fill
    assert last is not None and last.fill_id  # from the stream, back after the drop
    assert broker.get_order(order.id).status is OrderStatus.FILLED
