"""The exchange's SQLite books: what one engine saved, another restores exactly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from tests.unit.exchange.conftest import Desk
from workbench.exchange.assets import AssetCatalog
from workbench.exchange.codec import decode_ticket, encode_ticket
from workbench.exchange.feed import FrameBarFeed
from workbench.exchange.matching import MatchingEngine
from workbench.exchange.sessions import ExchangeCalendar
from workbench.exchange.store import ExchangeStore
from workbench.model import OrderStatus


def _save(desk: Desk, store: ExchangeStore) -> None:
    store.save(desk.engine.take_changes(), desk.engine.book.accounts, {"clock": "x"})


def test_open_orders_positions_and_fills_survive_a_restart(
    desk: Desk,
    tmp_path: Path,
    calendar: ExchangeCalendar,
    daily_bars: dict[str, pd.DataFrame],
) -> None:
    store = ExchangeStore(tmp_path / "exchange.db")
    desk.submit(qty=10)
    trail = desk.submit(
        side="sell", qty=4, type="trailing_stop", trail_percent="2", time_in_force="gtc"
    )
    resting = desk.submit(
        qty=3, type="limit", limit_price="100", time_in_force="gtc", client_order_id="keep-me"
    )
    desk.advance(days=2)
    _save(desk, store)
    store.close()

    reopened = ExchangeStore(tmp_path / "exchange.db")
    engine = MatchingEngine(
        clock=desk.clock,
        calendar=calendar,
        feed=FrameBarFeed(lambda symbol: daily_bars.get(symbol), calendar, "1d"),
        assets=AssetCatalog(daily_bars).get,
        processed_until=desk.engine.processed_until,
    )
    engine.restore(reopened.accounts(), reopened.tickets())
    account = engine.account(desk.account_id)
    assert account.cash == desk.engine.account(desk.account_id).cash
    assert engine.position(desk.account_id, "AAPL").position.qty == 10
    open_ids = {t.id for t in engine.book.open_tickets(desk.account_id)}
    assert open_ids == {trail.id, resting.id}
    restored = engine.book.find_by_client_id(desk.account_id, "keep-me")
    assert encode_ticket(restored) == encode_ticket(resting)
    assert engine.book.tickets[trail.id].hwm == trail.hwm
    fills = reopened.fills(desk.account_id)
    assert [(f.qty, f.price) for f in fills] == [(Decimal(10), Decimal("115.83"))]
    assert len(reopened.equity(desk.account_id)) == 2  # two closes played
    desk.clock.advance(timedelta(days=1))
    engine.sync()  # the restored engine carries on
    assert engine.book.tickets[resting.id].status is OrderStatus.NEW


def test_a_ticket_round_trips_through_its_document(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk()
    entry = desk.submit(
        qty=2,
        order_class="bracket",
        take_profit_limit_price="130",
        stop_loss_stop_price="100",
        stop_loss_limit_price="99.5",
        time_in_force="gtc",
    )
    for ticket in (entry, *(desk.engine.book.tickets[i] for i in entry.leg_ids)):
        assert encode_ticket(decode_ticket(encode_ticket(ticket))) == encode_ticket(ticket)
        assert decode_ticket(encode_ticket(ticket)).order == ticket.order
