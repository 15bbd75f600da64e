"""A matching engine over the bundled real daily bars, without HTTP or files: the XNYS
calendar, an in-memory feed of the sample's rows, and a replay clock standing one minute
before the open of 2017-01-03 (the first session of 2017)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from workbench.core.clock import ReplayClock
from workbench.data.sample import read_sample
from workbench.exchange.assets import AssetCatalog
from workbench.exchange.feed import FrameBarFeed
from workbench.exchange.matching import ExchangeEvent, MatchingConfig, MatchingEngine, Ticket
from workbench.exchange.sessions import ExchangeCalendar, exchange_calendar
from workbench.model import OrderRequest

FIRST_SESSION = date(2017, 1, 3)


@pytest.fixture(scope="session")
def calendar() -> ExchangeCalendar:
    return exchange_calendar()


@pytest.fixture(scope="session")
def daily_bars() -> dict[str, pd.DataFrame]:
    frame = read_sample("bars_1d")
    return {str(s): rows.sort_values("timestamp") for s, rows in frame.groupby("symbol")}


@dataclass
class Desk:
    """One account on a fresh engine, with the events it saw."""

    engine: MatchingEngine
    clock: ReplayClock
    calendar: ExchangeCalendar
    account_id: str
    events: list[ExchangeEvent] = field(default_factory=list)

    def submit(self, symbol: str = "AAPL", side: str = "buy", **fields: Any) -> Ticket:
        stop_loss_limit = fields.pop("stop_loss_limit_price", None)
        for name, value in list(fields.items()):
            if isinstance(value, int | str) and name in _DECIMAL_FIELDS:
                fields[name] = Decimal(value)
        request = OrderRequest(symbol=symbol, side=side, **fields)  # type: ignore[arg-type]
        return self.engine.submit(
            self.account_id, request, stop_loss_limit_price=_decimal(stop_loss_limit)
        )

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))
        self.engine.sync()

    def to(self, moment: datetime) -> None:
        self.clock.set(moment)
        self.engine.sync()

    def session(self, day: date) -> Any:
        session = self.calendar.session_on(day)
        assert session is not None
        return session

    def kinds(self, ticket: Ticket) -> list[str]:
        return [e.kind for e in self.events if e.ticket.id == ticket.id]

    def fills(self, ticket: Ticket) -> list[ExchangeEvent]:
        return [e for e in self.events if e.ticket.id == ticket.id and e.qty is not None]


_DECIMAL_FIELDS = {
    "qty",
    "notional",
    "limit_price",
    "stop_price",
    "trail_percent",
    "trail_price",
    "take_profit_limit_price",
    "stop_loss_stop_price",
}


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.fixture
def make_desk(
    calendar: ExchangeCalendar, daily_bars: dict[str, pd.DataFrame]
) -> Callable[..., Desk]:
    def build(config: MatchingConfig | None = None, cash: Decimal | None = None) -> Desk:
        session = calendar.session_on(FIRST_SESSION)
        assert session is not None
        clock = ReplayClock(session.open - timedelta(minutes=1))
        feed = FrameBarFeed(lambda symbol: daily_bars.get(symbol), calendar, "1d")
        assets = AssetCatalog(daily_bars)
        engine = MatchingEngine(
            clock=clock, calendar=calendar, feed=feed, assets=assets.get, config=config
        )
        account = engine.open_account(cash=cash)
        desk = Desk(engine, clock, calendar, account.id)
        engine.subscribe(desk.events.append)
        return desk

    return build


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()
