"""Paper and exchange fill alike: the same orders, sent at the same replay instants over the same
bars to the paper broker (in-process) and to the local exchange (through ``AlpacaBroker`` and
HTTP), give the same fills, positions and cash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.integration.exchange.conftest import Venue
from workbench.adapters import Broker
from workbench.adapters.alpaca import AlpacaBroker
from workbench.adapters.paper import PaperBroker
from workbench.model import OrderRequest, OrderSide, OrderType, TimeInForce

pytestmark = pytest.mark.requirement("CON-01")

FillKey = tuple[str, str, Decimal, Decimal]


def _order(cid: str, symbol: str, side: str, qty: int, **fields: object) -> OrderRequest:
    return OrderRequest(
        symbol=symbol,
        side=OrderSide(side),
        qty=Decimal(qty),
        client_order_id=cid,
        **fields,  # type: ignore[arg-type]
    )


BEFORE_THE_OPEN = [
    _order("mkt-aapl", "AAPL", "buy", 10),
    _order("lmt-aapl", "AAPL", "buy", 10, type=OrderType.LIMIT, limit_price=Decimal("115")),
    _order("mkt-msft", "MSFT", "buy", 20),
    _order(
        "stp-spy",
        "SPY",
        "buy",
        3,
        type=OrderType.STOP,
        stop_price=Decimal("226"),
        time_in_force=TimeInForce.GTC,
    ),
]
IN_THE_SESSION = [
    _order("mkt-sell", "MSFT", "sell", 4),
    _order("lmt-msft", "MSFT", "sell", 5, type=OrderType.LIMIT, limit_price=Decimal("63")),
]


def _fills(broker: Broker, cids: dict[str, str]) -> list[FillKey]:
    found = []
    for event in broker.events():
        if event.fill is not None:
            fill = event.fill
            found.append((cids[fill.order_id], fill.symbol, fill.qty, fill.price))
    return sorted(found)


def test_paper_and_exchange_fill_the_same_orders_alike(
    paper: PaperBroker, alpaca: AlpacaBroker, venue: Venue
) -> None:
    assert paper.now() == datetime(2017, 1, 3, 14, 29, tzinfo=UTC)
    paper_ids: dict[str, str] = {}
    venue_ids: dict[str, str] = {}

    def send(requests: list[OrderRequest]) -> None:
        for request in requests:
            on_paper, on_venue = paper.submit(request), alpaca.submit(request)
            assert on_paper.status is on_venue.status
            paper_ids[on_paper.id] = on_venue.client_order_id
            venue_ids[on_venue.id] = on_venue.client_order_id

    def move(moment: datetime) -> list[FillKey]:
        paper.move_to(moment)
        venue.clock(to=moment.isoformat())
        from_paper, from_venue = _fills(paper, paper_ids), _fills(alpaca, venue_ids)
        assert from_paper == from_venue
        return from_paper

    send(BEFORE_THE_OPEN)
    filled = move(datetime(2017, 1, 3, 15, 0, tzinfo=UTC))
    send(IN_THE_SESSION)
    close = datetime(2017, 1, 3, 21, 0, tzinfo=UTC)
    for day in range(6):
        filled += move(close + timedelta(days=day))

    # market, limit, sell and stop orders all traded; the MSFT limit at 63 never did
    assert sorted(cid for cid, *_ in filled) == [
        "lmt-aapl",
        "mkt-aapl",
        "mkt-msft",
        "mkt-sell",
        "stp-spy",
    ]
    for cid in ("lmt-aapl", "stp-spy", "lmt-msft"):
        paper_order = paper.get_order_by_client_id(cid)
        venue_order = alpaca.get_order_by_client_id(cid)
        assert (paper_order.status, paper_order.filled_qty, paper_order.filled_avg_price) == (
            venue_order.status,
            venue_order.filled_qty,
            venue_order.filled_avg_price,
        )
    held = [(p.symbol, p.qty, p.avg_entry_price) for p in paper.positions()]
    assert held == [(p.symbol, p.qty, p.avg_entry_price) for p in alpaca.positions()]
    assert len(held) == 3
    assert paper.account().cash == alpaca.account().cash
    # the exchange writes marks to the cent; the lake's floats carry more places
    cent = Decimal("0.01")
    assert paper.account().equity.quantize(cent) == alpaca.account().equity.quantize(cent)
