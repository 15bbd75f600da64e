"""``OrderEventLog``: the stream and polling report the same order; each change comes out once,
in order, and every execution is counted exactly once whichever source saw it first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workbench.adapters.alpaca import AlpacaConfig
from workbench.adapters.alpaca.order_events import OrderEventLog
from workbench.core.errors import ConfigError
from workbench.model import Order, OrderRequest, OrderSide, OrderStatus

T0 = datetime(2017, 1, 3, 14, 29, tzinfo=UTC)


def _order(status: OrderStatus, filled: int = 0, avg: str | None = None, minutes: int = 0) -> Order:
    return Order(
        id="o-1",
        client_order_id="c-1",
        request=OrderRequest(symbol="AAPL", side=OrderSide.BUY, qty=Decimal(10)),
        status=status,
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
        filled_qty=Decimal(filled),
        filled_avg_price=None if avg is None else Decimal(avg),
    )


ACCEPTED = _order(OrderStatus.ACCEPTED)
NEW = _order(OrderStatus.NEW, minutes=1)
HALF = _order(OrderStatus.PARTIALLY_FILLED, 5, "100", minutes=2)
ALL = _order(OrderStatus.FILLED, 10, "101", minutes=3)


def _fills(log: OrderEventLog) -> list[tuple[str, Decimal, Decimal, str | None]]:
    return [
        (e.kind, e.fill.qty, e.fill.price, e.fill.fill_id)
        for e in log.drain()
        if e.fill is not None
    ]


def test_the_stream_alone_reports_every_step_with_its_executions() -> None:
    log = OrderEventLog()
    log.sighted(ACCEPTED)
    log.streamed("accepted", ACCEPTED, ACCEPTED.updated_at)
    log.streamed("new", NEW, NEW.updated_at)
    log.streamed("partial_fill", HALF, HALF.updated_at, ("x-1", Decimal(5), Decimal(100)))
    log.streamed("fill", ALL, ALL.updated_at, ("x-2", Decimal(5), Decimal(102)))
    events = log.drain()
    assert [e.kind for e in events] == ["accepted", "new", "partial_fill", "fill"]
    assert [(e.fill.qty, e.fill.price, e.fill.fill_id) for e in events if e.fill] == [
        (Decimal(5), Decimal(100), "x-1"),
        (Decimal(5), Decimal(102), "x-2"),
    ]
    assert list(log.open_orders()) == []


def test_a_poll_that_saw_both_executions_first_leaves_nothing_for_the_stream() -> None:
    log = OrderEventLog()
    log.sighted(ACCEPTED)
    log.polled(ALL)
    assert _fills(log) == [("fill", Decimal(10), Decimal(101), None)]
    log.streamed("new", NEW, NEW.updated_at)  # older than what the poll saw
    log.streamed("partial_fill", HALF, HALF.updated_at, ("x-1", Decimal(5), Decimal(100)))
    log.streamed("fill", ALL, ALL.updated_at, ("x-2", Decimal(5), Decimal(102)))
    assert log.drain() == []


def test_a_poll_between_two_streamed_executions_reports_only_the_remainder() -> None:
    log = OrderEventLog()
    log.sighted(NEW)
    log.streamed("partial_fill", HALF, HALF.updated_at, ("x-1", Decimal(5), Decimal(100)))
    log.polled(HALF)  # nothing new
    log.polled(ALL)
    log.streamed("fill", ALL, ALL.updated_at, ("x-2", Decimal(5), Decimal(102)))
    assert _fills(log) == [
        ("partial_fill", Decimal(5), Decimal(100), "x-1"),
        ("fill", Decimal(5), Decimal(102), None),  # (10 x 101 - 5 x 100) / 5
    ]


def test_an_execution_the_poll_saw_in_part_is_priced_from_the_averages() -> None:
    log = OrderEventLog()
    log.sighted(NEW)
    log.polled(HALF)
    log.streamed("fill", ALL, ALL.updated_at, ("x-2", Decimal(7), Decimal(102)))
    assert _fills(log) == [
        ("partial_fill", Decimal(5), Decimal(100), None),
        ("fill", Decimal(5), Decimal(102), None),
    ]


def test_status_changes_come_once_from_either_source() -> None:
    log = OrderEventLog()
    canceled = replace(NEW, status=OrderStatus.CANCELED, updated_at=NEW.updated_at + timedelta(1))
    log.sighted(NEW)
    log.streamed("new", NEW, NEW.updated_at)
    log.polled(canceled)
    log.streamed("canceled", canceled, canceled.updated_at)
    log.polled(canceled)
    assert [e.kind for e in log.drain()] == ["new", "canceled"]


def test_orders_first_seen_on_the_stream_are_reported_and_watched() -> None:
    log = OrderEventLog()
    log.streamed("new", NEW, NEW.updated_at)
    assert "o-1" in log and [o.id for o in log.open_orders()] == ["o-1"]
    assert [e.kind for e in log.drain()] == ["new"]


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (2.0, 1.0), (-1.0, 5.0)])
def test_reconnect_delays_must_make_sense(low: float, high: float) -> None:
    with pytest.raises(ConfigError, match="reconnect_min_s"):
        AlpacaConfig("k", "s", "http://x", "http://x", reconnect_min_s=low, reconnect_max_s=high)


def test_the_trading_stream_lives_at_the_trading_hosts_stream_path() -> None:
    local = AlpacaConfig("k", "s", "http://127.0.0.1:8765/", "http://127.0.0.1:8765")
    assert local.trading_stream_endpoint == "ws://127.0.0.1:8765/stream"
    alpaca = AlpacaConfig("k", "s", "https://paper-api.alpaca.markets", "https://x")
    assert alpaca.trading_stream_endpoint == "wss://paper-api.alpaca.markets/stream"
    chosen = replace(alpaca, trading_stream_url="ws://elsewhere/stream")
    assert chosen.trading_stream_endpoint == "ws://elsewhere/stream"
