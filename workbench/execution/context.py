"""The snapshot the risk gate judges an order against, built fresh for each order.

Positions and pending orders come from the ledger (our book); cash, equity and buying power
from the broker (it alone knows its margin rules); prices from the market-data source the OMS
was given. The day's P&L is equity now against the day's opening equity: the equity the first
order of that New York day saw, kept in the ledger (``DayOpeningRow``, one row per account and
day), so every process, and one started after a restart, counts the day from the same start,
and restarting cannot walk an account past its daily loss limit. A preview reads the day's
opening and, before the day's first order, counts from the equity it sees, writing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workbench.core.config import ActorScope
from workbench.exchange.sessions import NEW_YORK, ExchangeCalendar, exchange_calendar
from workbench.execution.records import OPEN_STATUSES
from workbench.execution.risk import RiskContext
from workbench.ledger import AccountRow, DayOpeningRow, OrderRow, PositionRow, exact_sums
from workbench.model import OrderSide, OrderStatus, TradingState

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["RATE_WINDOW", "ContextBuilder", "trading_day"]

#: how far back orders count toward the orders-per-minute limit
RATE_WINDOW = 60
#: an order that ended in one of these without a broker order id never reached the broker:
#: it takes nothing from its actor's day (refused by the gate or a trader, expired or
#: canceled while held)
_NEVER_SENT = (OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED)


def trading_day(now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the venue's trading day holding ``now``: the New York calendar
    day, as the daily loss limit counts it."""
    start = datetime.combine(now.astimezone(NEW_YORK).date(), time(0), tzinfo=NEW_YORK)
    end = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=NEW_YORK)
    return start, end


class ContextBuilder:
    def __init__(
        self,
        oms: OrderManager,
        prices: Callable[[list[str]], dict[str, Decimal]],
        calendar: ExchangeCalendar | None = None,
    ) -> None:
        self._oms = oms
        self.prices = prices
        self._calendar = calendar
        self._day_start: tuple[date, Decimal] | None = None

    @property
    def calendar(self) -> ExchangeCalendar:
        if self._calendar is None:
            self._calendar = exchange_calendar()
        return self._calendar

    def build(
        self,
        *symbols: str,
        write: bool = True,
        actor: ActorScope | None = None,
        excluding: int | None = None,
    ) -> RiskContext:
        """The snapshot before an order for ``symbols``; ``write=False`` (a preview) leaves
        the ledger as it was, even when no order has opened the day yet. With ``actor`` (an
        actor kind with limits) it counts what that kind placed in the trading day, leaving
        out the order ``excluding`` (one held for approval, checked again)."""
        oms = self._oms
        now = oms.now()
        account = oms.broker.account()
        with oms.ledger.session(read_only=True) as session:
            state = session.scalar(
                sa.select(AccountRow.trading_state).where(AccountRow.id == oms.account_id)
            )
            held = {
                row.symbol: row.qty
                for row in session.scalars(
                    sa.select(PositionRow).where(
                        PositionRow.account_id == oms.account_id, PositionRow.qty != 0
                    )
                )
            }
            pending: dict[str, Decimal] = {}
            # columns, not whole orders: this runs before every order
            for symbol, side, qty, filled in session.execute(
                sa.select(OrderRow.symbol, OrderRow.side, OrderRow.qty, OrderRow.filled_qty).where(
                    OrderRow.account_id == oms.account_id,
                    OrderRow.status.in_(OPEN_STATUSES),
                    OrderRow.qty.is_not(None),
                )
            ):
                left = (qty or Decimal(0)) - (filled or Decimal(0))
                sign = Decimal(1) if side is OrderSide.BUY else Decimal(-1)
                pending[symbol] = pending.get(symbol, Decimal(0)) + sign * left
            since = now - timedelta(seconds=RATE_WINDOW)
            recent = [
                stamp
                for stamp in session.scalars(
                    sa.select(OrderRow.submitted_at).where(
                        OrderRow.account_id == oms.account_id,
                        OrderRow.submitted_at >= since,
                        OrderRow.status != OrderStatus.REJECTED,
                    )
                )
                if stamp is not None
            ]
            actor_orders, actor_notional = (
                (0, Decimal(0))
                if actor is None
                else self._actor_day(session, actor, now, excluding)
            )
        wanted = sorted({*held, *pending, *symbols})
        prices = self.prices(wanted) if wanted else {}
        return RiskContext(
            now=now,
            trading_state=TradingState(state) if state is not None else TradingState.ACTIVE,
            equity=account.equity,
            cash=account.cash,
            buying_power=account.buying_power,
            positions=held,
            prices=prices,
            pending=pending,
            recent_orders=tuple(recent),
            day_pnl=self._day_pnl(now, account.equity, write),
            market_open=self._regular_or_opening(now),
            extended_open=self._extended(now),
            actor_orders_today=actor_orders,
            actor_notional_today=actor_notional,
        )

    def recount(
        self,
        session: Session,
        context: RiskContext,
        actor: ActorScope | None,
        excluding: int | None = None,
    ) -> RiskContext:
        """``context`` with the actor kind's day counted again in the caller's transaction,
        which holds the ledger's write lock: another process may have placed an order of the
        kind since ``build``, and the day's caps must hold against it too."""
        if actor is None or (
            actor.limits.max_orders_per_day is None and actor.limits.max_notional_per_day is None
        ):
            return context
        orders, notional = self._actor_day(session, actor, context.now, excluding)
        if (orders, notional) == (context.actor_orders_today, context.actor_notional_today):
            return context
        return replace(context, actor_orders_today=orders, actor_notional_today=notional)

    def _actor_day(
        self, session: Session, actor: ActorScope, now: datetime, excluding: int | None
    ) -> tuple[int, Decimal]:
        """How many orders the actor kind placed in ``now``'s trading day, and their notional
        at the gate's measure: from the ledger, so every process counts the same day."""
        start, end = trading_day(now)
        criteria = [
            OrderRow.account_id == self._oms.account_id,
            OrderRow.actor.startswith(actor.prefix, autoescape=True),
            OrderRow.placed_at >= start,
            OrderRow.placed_at < end,
            sa.or_(OrderRow.broker_order_id.is_not(None), OrderRow.status.not_in(_NEVER_SENT)),
        ]
        if excluding is not None:
            criteria.append(OrderRow.id != excluding)
        count = session.scalar(sa.select(sa.func.count()).select_from(OrderRow).where(*criteria))
        notional = exact_sums(session, OrderRow.measured_notional, *criteria).get(None)
        return int(count or 0), notional or Decimal(0)

    def _day_pnl(self, now: datetime, equity: Decimal, write: bool) -> Decimal:
        today = now.astimezone(NEW_YORK).date()
        if self._day_start is None or self._day_start[0] != today:
            opening = self._opening_equity(today, equity if write else None)
            if opening is None:  # a preview before the day's first order
                return Decimal(0)
            self._day_start = (today, opening)
        return equity - self._day_start[1]

    def _opening_equity(self, day: date, equity: Decimal | None) -> Decimal | None:
        """The ledger's opening equity of ``day``; when it has none, ``equity`` becomes it
        (unless None). Two processes opening the day at once keep the first one's."""
        oms = self._oms
        query = sa.select(DayOpeningRow.equity).where(
            DayOpeningRow.account_id == oms.account_id, DayOpeningRow.day == day
        )
        with oms.ledger.session(read_only=True) as session:
            found = session.scalar(query)
        if found is not None or equity is None:
            return found
        try:
            with oms.ledger.session() as session:
                found = session.scalar(query)
                if found is not None:
                    return found
                session.add(DayOpeningRow(account_id=oms.account_id, day=day, equity=equity))
        except IntegrityError:  # another process wrote the day's row first: theirs stands
            with oms.ledger.session(read_only=True) as session:
                return session.scalar(query)
        return equity

    def _regular_or_opening(self, now: datetime) -> bool:
        """Open, or in the morning before the bell of a session day: Alpaca queues such an
        order for the open, which is how a daily strategy trades the next open."""
        session = self.calendar.session_at_or_after(now)
        if session is None:
            return False
        return session.premarket <= now < session.close

    def _extended(self, now: datetime) -> bool:
        session = self.calendar.session_at_or_after(now)
        return session is not None and session.premarket <= now < session.after_hours_end
