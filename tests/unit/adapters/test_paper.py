"""The paper broker: the exchange's matching engine behind the ``Broker`` port, in-process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from workbench.adapters import Broker, MarketData
from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.core.errors import Fatal, NotFound
from workbench.data import Lake
from workbench.model import OrderRequest, OrderSide, OrderStatus, OrderType

pytestmark = pytest.mark.requirement("CON-01")

OPEN_2017_01_03 = datetime(2017, 1, 3, 14, 30, tzinfo=UTC)
# 115.80 open + half the 2 bps spread (rounded up to the cent) + 1 bp slippage, to the cent
AAPL_BUY_AT_OPEN = Decimal("115.83")


def _buy(qty: int = 10, **fields: object) -> OrderRequest:
    return OrderRequest(symbol="AAPL", side=OrderSide.BUY, qty=Decimal(qty), **fields)  # type: ignore[arg-type]


def test_the_paper_broker_is_a_broker_and_its_market_data_a_market_data(
    paper: PaperBroker,
) -> None:
    assert isinstance(paper, Broker)
    assert isinstance(paper.market_data, MarketData)


def test_the_clock_stands_before_the_open_of_the_last_session_of_the_stock_panel(
    make_paper: Callable[..., PaperBroker],
) -> None:
    paper = make_paper()
    # the 60 stocks end on 2018-02-07; SPY (to 2021) and the indices run on, but "now" is where
    # most tradable symbols still have bars
    assert paper.now() == datetime(2018, 2, 7, 14, 29, tzinfo=UTC)
    order = paper.submit(OrderRequest(symbol="AAPL", side="buy", qty=Decimal(1)))  # type: ignore[arg-type]
    assert order.status is OrderStatus.ACCEPTED
    paper.advance(timedelta(minutes=2))
    filled = paper.get_order(order.id)
    assert filled.status is OrderStatus.FILLED
    assert paper.market_data is not None
    (bar,) = paper.market_data.latest_bars(["AAPL"]).values()
    assert bar.timestamp.date() == date(2018, 2, 6)  # the session under way is not complete
    assert paper.now() == datetime(2018, 2, 7, 14, 31, tzinfo=UTC)


def test_next_print_moves_the_clock_to_the_open_then_the_close(
    make_paper: Callable[..., PaperBroker],
) -> None:
    paper = make_paper(start=date(2017, 1, 3))
    assert paper.next_print() == datetime(2017, 1, 3, 14, 30, 1, tzinfo=UTC)
    assert paper.next_print() == datetime(2017, 1, 3, 21, 0, 1, tzinfo=UTC)


def test_after_the_close_next_print_moves_to_the_next_open_when_an_order_waits_for_it(
    make_paper: Callable[..., PaperBroker],
) -> None:
    paper = make_paper(start=date(2017, 1, 3))
    paper.next_print()
    after_close = paper.next_print()
    assert paper.next_print() == after_close  # nothing waits: time stands
    order = paper.submit(_buy())
    assert paper.next_print() == datetime(2017, 1, 4, 14, 30, 1, tzinfo=UTC)
    assert paper.get_order(order.id).status is OrderStatus.FILLED


def test_two_brokers_on_one_kept_book_each_trade_on_what_the_other_did(
    sample_lake: Path, tmp_path: Path
) -> None:
    """Two processes' brokers on one file: each call works on the book as saved, so neither
    writes back an account that misses the other's fills."""
    path = tmp_path / "book.db"
    first = PaperBroker.open(Lake(sample_lake), path, PaperConfig(start=date(2017, 1, 3)))
    second = PaperBroker.open(Lake(sample_lake), path)
    assert second.account_id == first.account_id
    first.submit(_buy(10, client_order_id="one"))
    second.submit(_buy(5, client_order_id="two"))
    first.next_print()  # plays the open for both orders
    assert second.get_order_by_client_id("two").status is OrderStatus.FILLED
    assert {p.symbol: p.qty for p in second.positions()} == {"AAPL": Decimal(15)}
    second.submit(_buy(1, client_order_id="three"))
    assert first.get_order_by_client_id("three").status is OrderStatus.NEW  # working, unfilled
    first.close()
    second.close()
    again = PaperBroker.open(Lake(sample_lake), path)
    assert again.account().cash == Decimal(100_000) - 15 * AAPL_BUY_AT_OPEN
    assert {p.symbol: p.qty for p in again.positions()} == {"AAPL": Decimal(15)}
    again.close()


def test_a_new_book_opened_twice_at_once_has_one_account(sample_lake: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "book.db"
    with ThreadPoolExecutor(4) as pool:
        brokers = list(pool.map(lambda _: PaperBroker.open(Lake(sample_lake), path), range(4)))
    assert len({broker.account_id for broker in brokers}) == 1
    for broker in brokers:
        broker.close()


def test_a_kept_book_reopens_where_it_stood(sample_lake: Path, tmp_path: Path) -> None:
    path = tmp_path / "book.db"
    first = PaperBroker.open(Lake(sample_lake), path, PaperConfig(start=date(2017, 1, 3)))
    first.submit(_buy(client_order_id="kept"))
    first.advance(timedelta(minutes=2))
    account, held = first.account(), first.positions()
    first.close()
    again = PaperBroker.open(Lake(sample_lake), path)
    assert again.now() == datetime(2017, 1, 3, 14, 31, tzinfo=UTC)
    assert again.account() == account and again.positions() == held
    assert again.get_order_by_client_id("kept").status is OrderStatus.FILLED
    again.close()


def test_a_market_order_fills_at_the_next_open_and_moves_cash_and_positions(
    paper: PaperBroker,
) -> None:
    order = paper.submit(_buy())
    assert order.status is OrderStatus.ACCEPTED
    assert paper.positions() == []
    paper.move_to(OPEN_2017_01_03)
    filled = paper.get_order(order.id)
    assert (filled.status, filled.filled_qty) == (OrderStatus.FILLED, Decimal(10))
    assert filled.filled_avg_price == AAPL_BUY_AT_OPEN
    (position,) = paper.positions()
    assert (position.symbol, position.qty, position.avg_entry_price) == (
        "AAPL",
        Decimal(10),
        AAPL_BUY_AT_OPEN,
    )
    assert paper.account().cash == Decimal(100_000) - 10 * AAPL_BUY_AT_OPEN

    paper.advance(timedelta(minutes=30))
    sell = paper.submit(OrderRequest(symbol="AAPL", side=OrderSide.SELL, qty=Decimal(4)))
    paper.advance(timedelta(hours=6))  # past the close: it fills at the close, less costs
    sold = paper.get_order(sell.id)
    assert sold.status is OrderStatus.FILLED and sold.filled_avg_price is not None
    assert sold.filled_avg_price < Decimal("116.15")
    (position,) = paper.positions()
    assert position.qty == Decimal(6) and position.market_price == Decimal("116.15")
    expected = Decimal(100_000) - 10 * AAPL_BUY_AT_OPEN + 4 * sold.filled_avg_price
    assert paper.account().cash == expected
    assert paper.account().equity == expected + 6 * Decimal("116.15")


def test_events_drain_order_changes_and_fills(paper: PaperBroker) -> None:
    order = paper.submit(_buy(client_order_id="ev-1"))
    paper.move_to(OPEN_2017_01_03)
    events = paper.events()
    assert [e.kind for e in events] == ["accepted", "new", "fill"]
    fill = events[-1].fill
    assert fill is not None
    assert (fill.order_id, fill.qty, fill.price) == (order.id, Decimal(10), AAPL_BUY_AT_OPEN)
    assert fill.timestamp == OPEN_2017_01_03
    assert paper.events() == []


def test_a_resend_with_the_same_client_order_id_returns_the_first_order(
    paper: PaperBroker,
) -> None:
    first = paper.submit(_buy(client_order_id="once"))
    again = paper.submit(_buy(client_order_id="once"))
    assert again == first
    assert [o.id for o in paper.orders("all")] == [first.id]
    assert paper.get_order_by_client_id("once") == first


def test_cancel_and_replace_a_resting_limit(paper: PaperBroker) -> None:
    limit = paper.submit(_buy(5, type=OrderType.LIMIT, limit_price=Decimal(100)))
    other = paper.submit(_buy(5, type=OrderType.LIMIT, limit_price=Decimal(100)))
    new = paper.replace(other.id, qty=Decimal(3), limit_price=Decimal(101))
    assert (new.request.qty, new.request.limit_price) == (Decimal(3), Decimal(101))
    assert paper.get_order(other.id).status is OrderStatus.REPLACED
    paper.cancel(limit.id)
    assert paper.get_order(limit.id).status is OrderStatus.CANCELED
    assert [o.id for o in paper.orders("open")] == [new.id]
    assert {o.id for o in paper.orders("closed")} == {limit.id, other.id}
    with pytest.raises(Fatal, match="not cancelable"):
        paper.cancel(limit.id)


def test_refusals_are_the_engines_errors(paper: PaperBroker) -> None:
    with pytest.raises(Fatal, match="insufficient buying power"):
        paper.submit(_buy(100_000))
    with pytest.raises(NotFound):
        paper.get_order("no-such-order")
    with pytest.raises(NotFound):
        paper.get_order_by_client_id("no-such-client-id")


def test_market_data_as_of_the_clock(paper: PaperBroker) -> None:
    market = paper.market_data
    assert market is not None
    paper.move_to(datetime(2017, 1, 3, 21, 0, tzinfo=UTC))
    bars = market.latest_bars(["AAPL", "NOPE"])
    assert list(bars) == ["AAPL"] and bars["AAPL"].close == pytest.approx(116.15)
    quote = market.latest_quotes(["AAPL"])["AAPL"]
    assert quote.bid_price < 116.15 < quote.ask_price
