"""The order manager: every order goes risk gate -> write-ahead intent -> broker -> ledger.

Write-ahead: an order is a ledger row (status ``new``, with its ``client_order_id``) and an
audit record, committed, before the broker hears of it. The broker treats a known
``client_order_id`` as the same order, so sending an intent again is always safe; that is what
makes retries and restarts unable to duplicate an order:

* a crash before the send leaves a ``new`` row; ``recover`` finds the broker has no such order
  and sends it (or, when the intent is older than ``resend_within``, rejects it as stale);
* a crash after the send and before the answer was written leaves the same ``new`` row; the
  broker does know the ``client_order_id``, so ``recover`` adopts its state and fills;
* a crash mid-fill loses nothing: fills are applied from the broker's cumulative filled
  quantity, so the next event or reconciliation books exactly what is missing, once.

Retryable broker errors are retried with backoff (the resend is idempotent); a fatal refusal
ends the order ``rejected`` with the broker's reason; when retries run out the order stays
``submitted`` (its outcome unknown) until ``recover`` or reconciliation learns it.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from workbench.adapters.ports import Broker, BrokerEvent
from workbench.core.config import ActorScope
from workbench.core.errors import BrokerError, Fatal, NotFound, Retryable
from workbench.core.events import EventBus
from workbench.execution import notify, records
from workbench.execution.accounting import PRICE_PLACES
from workbench.execution.context import ContextBuilder
from workbench.execution.ids import new_client_order_id
from workbench.execution.risk import RiskContext, RiskDecision, RiskGate, RiskLimits
from workbench.execution.risk.exposure import OrderExposure
from workbench.execution.states import TRANSITIONS, can_transition
from workbench.execution.views import OrderView
from workbench.ledger import (
    AccountRow,
    Ledger,
    OrderRow,
    PositionRow,
    hold_audit_lock,
    row_id,
)
from workbench.model import Fill, Order, OrderRequest, OrderStatus, TradingState

if TYPE_CHECKING:
    from workbench.execution.approvals import HeldOrder

__all__ = ["OrderManager", "RetryPolicy", "SubmitResult", "ledger_status"]

_log = logging.getLogger(__name__)
#: set to a crash point's name in a test's subprocess to SIGKILL it there (crash-safety tests)
CRASH_VARIABLE = "WB_TEST_CRASH_AT"


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def ledger_status(broker_status: OrderStatus, filled_qty: Decimal = Decimal(0)) -> OrderStatus:
    """The ledger's name for what the broker reports. The broker's ``new`` is an order live at
    the venue: for the ledger it is ``accepted`` (the ledger's ``new`` is an intent not yet
    acknowledged). A venue's passing states map to the nearest ledger status: ``pending_new``
    is a send not yet confirmed; ``held`` (a bracket leg waiting for its parent),
    ``pending_cancel``, ``done_for_day``... are orders still open at the venue."""
    status = OrderStatus(broker_status)
    if status is OrderStatus.PENDING_NEW:
        return OrderStatus.SUBMITTED
    if status is OrderStatus.NEW or status not in TRANSITIONS:
        return OrderStatus.PARTIALLY_FILLED if filled_qty > 0 else OrderStatus.ACCEPTED
    return status


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.2
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield delay
            delay *= self.factor


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """``already_submitted``: the ``client_order_id`` was the ledger's already, and ``order``
    is that order as it stands (nothing new was gated or sent; no ``decision``)."""

    order: OrderView
    decision: RiskDecision | None
    already_submitted: bool = False

    @property
    def accepted(self) -> bool:
        return self.order.status not in ("rejected", "canceled")

    @property
    def held(self) -> bool:
        """The gate passed it and it waits for a trader's approval; nothing was sent."""
        return self.order.status == OrderStatus.PENDING_APPROVAL

    @property
    def message(self) -> str | None:
        if self.held and not self.already_submitted:
            return (
                f"held for approval: order {self.order.id} ({self.order.client_order_id}) goes "
                "out only when a trader approves it (`workbench trade approve`)"
            )
        if not self.already_submitted:
            return None
        return (
            f"already submitted: client order id {self.order.client_order_id} is order "
            f"{self.order.id}, {self.order.status}; nothing new was sent"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.to_dict(),
            "risk": None if self.decision is None else self.decision.to_dict(),
            "already_submitted": self.already_submitted,
            "held": self.held,
            "message": self.message,
        }


class OrderManager:
    def __init__(
        self,
        ledger: Ledger,
        broker: Broker,
        *,
        account: str,
        broker_name: str,
        limits: Callable[[str | None], RiskLimits],
        actors: Callable[[str | None], ActorScope | None] | None = None,
        prices: Callable[[list[str]], dict[str, Decimal]],
        now: Callable[[], datetime],
        bus: EventBus | None = None,
        retry: RetryPolicy | None = None,
        resend_within: timedelta = timedelta(hours=12),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ledger = ledger
        self.broker = broker
        self.account_name = account
        self.broker_name = broker_name
        self.now = now
        self.bus = bus or EventBus()
        self.retry = retry or RetryPolicy()
        self.resend_within = resend_within
        self._limits = limits
        self._actors = actors or _no_actor_limits
        self._gates: dict[tuple[str | None, str | None], RiskGate] = {}
        self._sleep = sleep
        self._account_id: int | None = None
        self._caught_up = False
        #: client order ids this process sent: its broker's events cover them
        self.sent_here: set[str] = set()
        self.context = ContextBuilder(self, prices)

    # -- the account -----------------------------------------------------------------------
    @property
    def account_id(self) -> int:
        if self._account_id is None:
            self._account_id = self._link_account()
        return self._account_id

    def _link_account(self) -> int:
        """The ledger's account for this broker; a new one starts from the broker's cash and
        positions (an opening balance), so reconciliation compares like with like."""
        snapshot = self.broker.account()
        with self.ledger.session() as session:
            hold_audit_lock(session)  # two processes linking at once: one opens the books
            existing = session.scalar(
                sa.select(AccountRow).where(AccountRow.name == self.account_name)
            )
            row = records.ensure_account(session, self.account_name, self.broker_name, snapshot.id)
            if existing is None:
                from workbench.execution.opening import open_books

                open_books(session, row, snapshot, self.broker.positions(), self.now())
            return row.id

    def trading_state(self) -> TradingState:
        with self.ledger.session(read_only=True) as session:
            state = session.scalar(
                sa.select(AccountRow.trading_state).where(AccountRow.id == self.account_id)
            )
        return TradingState(state) if state is not None else TradingState.ACTIVE

    def ledger_positions(self) -> dict[str, Decimal]:
        """The book's signed quantities by symbol (non-zero only)."""
        with self.ledger.session(read_only=True) as session:
            rows = session.execute(
                sa.select(PositionRow.symbol, PositionRow.qty).where(
                    PositionRow.account_id == self.account_id, PositionRow.qty != 0
                )
            ).all()
        return {str(symbol): qty for symbol, qty in rows}

    def ledger_cash(self) -> Decimal:
        with self.ledger.session(read_only=True) as session:
            return records.cash_balance(session, self.account_id)

    def gate(self, strategy: str | None, actor: ActorScope | None = None) -> RiskGate:
        """The gate of a strategy's limits, with those of an actor kind (``risk.actors``)."""
        key = (strategy, None if actor is None else actor.kind)
        if key not in self._gates:
            self._gates[key] = RiskGate(self._limits(strategy), actor)
        return self._gates[key]

    def actor_scope(self, actor: str | None) -> ActorScope | None:
        """The limits of the actor's kind (``mcp`` of ``mcp:alice``), None when it has none."""
        return self._actors(actor)

    # -- orders ----------------------------------------------------------------------------
    def preview(
        self,
        request: OrderRequest,
        *,
        strategy: str | None = None,
        actor: str | None = None,
        context: RiskContext | None = None,
    ) -> RiskDecision:
        """What the risk gate would say now of ``actor``'s order; nothing is written or sent.
        ``context``: the account as read a moment ago for ``request.symbol`` (``build``), and
        the answer is as of then, its clock included; not for an actor kind with limits,
        whose day is counted afresh."""
        scope = self._actors(actor)
        if context is None or scope is not None:
            context = self.context.build(request.symbol, write=False, actor=scope)
        return self.gate(strategy, scope).check(request, context)

    def submit(
        self,
        request: OrderRequest,
        *,
        actor: str,
        strategy: str | None = None,
        run_id: int | None = None,
    ) -> SubmitResult:
        if request.client_order_id is None:
            request = replace(request, client_order_id=new_client_order_id())
        cid = request.client_order_id
        assert cid is not None
        known = self._known(cid)
        if known is not None:
            return self._again(known, request, actor)
        scope = self._actors(actor)
        context = self.context.build(request.symbol, actor=scope)
        decision = self.gate(strategy, scope).check(request, context)
        arrival = context.prices.get(request.symbol)
        hold = _needs_approval(decision, scope)
        at = self.now()
        try:
            with self.ledger.session() as session:
                hold_audit_lock(session)  # no other process inserts this id from here to commit
                row = session.scalar(sa.select(OrderRow).where(OrderRow.client_order_id == cid))
                # None: the id is still free; else another process recorded it meanwhile
                known = OrderView.of(row) if row is not None else None
                if known is None:
                    recounted = self.context.recount(session, context, scope)
                    if recounted is not context:  # another process placed one of the kind
                        context = recounted
                        decision = self.gate(strategy, scope).check(request, context)
                        hold = _needs_approval(decision, scope)
                    account = session.get(AccountRow, self.account_id)
                    assert account is not None
                    view = OrderView.of(
                        records.add_intent(
                            session,
                            account,
                            request,
                            decision,
                            actor=actor,
                            at=at,
                            strategy=strategy,
                            run_id=run_id,
                            arrival=arrival,
                            measured_notional=OrderExposure(request, context).notional,
                            hold=hold,
                        )
                    )
        except sa.exc.IntegrityError:
            # the unique client order id held against an insert the lock did not serialise
            known = self._known(cid)
            if known is None:
                raise
        if known is not None:
            return self._again(known, request, actor)
        notify.decision(self.bus, self.account_name, view, decision, at)
        if not decision.approved:
            notify.rejected(self.bus, self.account_name, view, _rule(decision), decision.reason, at)
            return SubmitResult(view, decision)
        if hold:
            notify.order(self.bus, self.account_name, view, None, "held", at)
            return SubmitResult(view, decision)
        _crash_point("after_intent")
        return SubmitResult(self._send(view.id, request, actor), decision)

    def _known(self, client_order_id: str) -> OrderView | None:
        with self.ledger.session(read_only=True) as session:
            row = session.scalar(
                sa.select(OrderRow).where(OrderRow.client_order_id == client_order_id)
            )
            return OrderView.of(row) if row is not None else None

    def _again(self, view: OrderView, request: OrderRequest, actor: str) -> SubmitResult:
        """The answer to a ``client_order_id`` the ledger knows: that order, never a second
        one. An intent still ``new`` is sent (the broker treats the id as the same order, so
        this is the crash recovery of a send that never happened, and safe if it did)."""
        if view.status == OrderStatus.NEW:
            view = self._send(view.id, request, actor)
        return SubmitResult(view, None, already_submitted=True)

    def _send(self, order_id: int, request: OrderRequest, actor: str) -> OrderView:
        delays = self.retry.delays()
        while True:
            try:
                placed = self.broker.submit(request)
                break
            except Retryable as error:
                delay = next(delays, None)
                if delay is None:
                    return self._unknown_outcome(order_id, error, actor)
                _log.warning("broker busy (%s); resending %s", error, request.client_order_id)
                self._sleep(delay)
            except (Fatal, NotFound) as error:
                return self._broker_rejected(order_id, str(error), actor)
        self.sent_here.add(placed.client_order_id)
        _crash_point("after_send")
        return self.apply_snapshot(placed, actor=actor, kind="accepted")

    def _unknown_outcome(self, order_id: int, error: BrokerError, actor: str) -> OrderView:
        with self.ledger.session() as session:
            row = session.get(OrderRow, order_id)
            assert row is not None
            records.change_status(
                session,
                row,
                OrderStatus.SUBMITTED,
                "send_failed",
                at=self.now(),
                actor=actor,
                payload={"error": str(error)},
            )
            return OrderView.of(row)

    def _broker_rejected(self, order_id: int, reason: str, actor: str) -> OrderView:
        at = self.now()
        with self.ledger.session() as session:
            row = session.get(OrderRow, order_id)
            assert row is not None
            records.change_status(
                session,
                row,
                OrderStatus.REJECTED,
                "rejected",
                at=at,
                actor=actor,
                reason=reason,
                payload={"rule": "broker"},
            )
            view = OrderView.of(row)
        notify.rejected(self.bus, self.account_name, view, "broker", reason, at)
        return view

    # -- what the broker says ----------------------------------------------------------------
    def process_events(self, *, actor: str = "broker") -> int:
        """Book every order change and fill the broker reported since the last call. The first
        call of a process also refreshes the open orders (another process may have placed them,
        and a venue's event feed only covers what this process sent)."""
        if not self._caught_up:
            self._caught_up = True
            from workbench.execution.recovery import refresh_open_orders

            refresh_open_orders(self, actor=actor)
        events = self.broker.events()
        for event in events:
            self.apply_snapshot(event.order, actor=actor, kind=event.kind, event=event)
        return len(events)

    def apply_snapshot(
        self,
        order: Order,
        *,
        actor: str,
        kind: str,
        event: BrokerEvent | None = None,
    ) -> OrderView:
        """Bring the ledger's order up to the broker's view of it: fills first (by cumulative
        quantity, so nothing is booked twice), then the status."""
        at = event.timestamp if event is not None else self.now()
        self._account_id = self.account_id  # linked before the transaction below opens
        fills: list[Fill] = []
        with self.ledger.session() as session:
            # another process may book the same order (its fills happened in that process's
            # replay): read the order and its position only once no one else can write them
            hold_audit_lock(session)
            row = records.find_order(
                session, broker_order_id=order.id, client_order_id=order.client_order_id
            )
            previous = None if row is None else str(row.status)
            if row is None:
                row = self._adopt(session, order, actor, at)
            row.broker_order_id = row.broker_order_id or order.id
            if row.submitted_at is None:
                row.submitted_at = order.created_at
            booked = self._book_fills(session, row, order, event, actor, at)
            fills.extend(booked)
            target = ledger_status(order.status, order.filled_qty)
            if target is OrderStatus.PARTIALLY_FILLED and not booked:
                target = row.status  # a repeat of a partial fill already booked
            if target != row.status and not can_transition(row.status, target):
                # an older snapshot than what the ledger knows (events drained after a cancel,
                # say): the state machine refuses it, and the ledger stays where it is
                _log.debug("ignored %s -> %s for %s", row.status, target, row.client_order_id)
            elif target != row.status:
                records.change_status(
                    session,
                    row,
                    target,
                    kind,
                    at=at,
                    actor=actor,
                    reason=order.reason if target is OrderStatus.REJECTED else None,
                    payload={"broker_order_id": order.id},
                )
            elif booked and row.status is OrderStatus.PARTIALLY_FILLED:
                records.record_event(session, row, kind, at=at, actor=actor, status=row.status)
            view = OrderView.of(row)
        if previous != view.status or fills:
            notify.order(self.bus, self.account_name, view, previous, kind, at)
        for booked_fill in fills:
            notify.fill(self.bus, booked_fill)
        if view.status == OrderStatus.REJECTED and previous != view.status:
            notify.rejected(self.bus, self.account_name, view, "broker", view.reason, at)
        return view

    def _book_fills(
        self,
        session: Session,
        row: OrderRow,
        order: Order,
        event: BrokerEvent | None,
        actor: str,
        at: datetime,
    ) -> list[Fill]:
        booked_qty = row.filled_qty or Decimal(0)
        missing = order.filled_qty - booked_qty
        if missing <= 0:
            return []
        fill = event.fill if event is not None else None
        if fill is not None and fill.qty == missing and fill.fill_id:
            price, fill_id, when = fill.price, fill.fill_id, fill.timestamp
        else:
            # what the broker's cumulative average says the missing part cost
            paid = (order.filled_avg_price or Decimal(0)) * order.filled_qty
            price = (paid - (row.filled_avg_price or Decimal(0)) * booked_qty) / missing
            price = price.quantize(PRICE_PLACES)
            fill_id, when = f"{order.id}:{order.filled_qty}", at
        records.apply_fill_to_ledger(
            session, row, fill_id=fill_id, qty=missing, price=price, at=when, actor=actor
        )
        _crash_point("mid_fill")
        booked = Fill(
            order_id=row.client_order_id,
            symbol=row.symbol,
            side=row.side,
            qty=missing,
            price=price,
            timestamp=when,
            fill_id=fill_id,
        )
        return [booked]

    def _adopt(self, session: Session, order: Order, actor: str, at: datetime) -> OrderRow:
        """An order the broker knows and the ledger does not (placed elsewhere, or while the
        ledger was behind): recorded as found, with its fills booked from here on."""
        account = session.get(AccountRow, self.account_id)
        assert account is not None
        request = replace(order.request, client_order_id=order.client_order_id)
        row = records.add_order(
            session, account, request, status=OrderStatus.SUBMITTED, strategy=None, run_id=None
        )
        records.record_event(
            session,
            row,
            "adopted",
            at=at,
            actor=actor,
            status=OrderStatus.SUBMITTED,
            payload={"broker_order_id": order.id, "broker_status": str(order.status)},
        )
        return row

    # -- cancel --------------------------------------------------------------------------------
    def cancel(self, reference: str, *, actor: str) -> OrderView:
        """Cancel by ledger id or client order id. An intent the broker never received is
        canceled in the ledger alone."""
        row_view = self.find(reference)
        if row_view.status == OrderStatus.PENDING_APPROVAL:
            return self._cancel_unsent(row_view.id, actor)  # held: no broker has it
        if row_view.status not in {str(s) for s in records.OPEN_STATUSES}:
            return row_view
        try:
            placed = self.broker.get_order_by_client_id(row_view.client_order_id)
        except NotFound:
            return self._cancel_unsent(row_view.id, actor)
        if ledger_status(placed.status, placed.filled_qty) in records.OPEN_STATUSES:
            self.broker.cancel(placed.id)
            placed = self.broker.get_order(placed.id)
        view = self.apply_snapshot(placed, actor=actor, kind="canceled")
        self.process_events(actor=actor)
        return view

    def _cancel_unsent(self, order_id: int, actor: str) -> OrderView:
        with self.ledger.session() as session:
            row = session.get(OrderRow, order_id)
            assert row is not None
            records.change_status(
                session,
                row,
                OrderStatus.CANCELED,
                "canceled",
                at=self.now(),
                actor=actor,
                reason="canceled before it reached the broker",
            )
            return OrderView.of(row)

    def cancel_open(self, *, actor: str) -> list[OrderView]:
        return [self.cancel(str(view.id), actor=actor) for view in self.open_orders()]

    def find(self, reference: str) -> OrderView:
        with self.ledger.session(read_only=True) as session:
            clause = OrderRow.client_order_id == reference
            if (number := row_id(reference)) is not None:
                clause = sa.or_(clause, OrderRow.id == number)
            row = session.scalar(
                sa.select(OrderRow).where(clause, OrderRow.account_id == self.account_id)
            )
            if row is None:
                raise NotFound(
                    f"no order {reference!r} in the ledger: see `workbench trade orders`"
                )
            return OrderView.of(row)

    def open_orders(self) -> list[OrderView]:
        with self.ledger.session(read_only=True) as session:
            rows = session.scalars(
                sa.select(OrderRow)
                .where(
                    OrderRow.account_id == self.account_id,
                    OrderRow.status.in_(records.OPEN_STATUSES),
                )
                .order_by(OrderRow.id)
            )
            return [OrderView.of(row) for row in rows]

    # -- held for approval (execution.approvals) ---------------------------------------------
    def held_orders(self) -> list[HeldOrder]:
        from workbench.execution import approvals

        return approvals.held_orders(self)

    def approve(self, reference: str, *, actor: str) -> SubmitResult:
        from workbench.execution import approvals

        return approvals.approve(self, reference, actor=actor)

    def reject_held(self, reference: str, *, actor: str, reason: str) -> OrderView:
        from workbench.execution import approvals

        return approvals.reject(self, reference, actor=actor, reason=reason)

    # -- restart ---------------------------------------------------------------------------
    def recover(self, *, actor: str = "recovery") -> list[OrderView]:
        """Settle every intent whose fate the ledger does not know (see ``recovery``)."""
        from workbench.execution.recovery import recover

        return recover(self, actor=actor)

    def resend(self, order_id: int, request: OrderRequest, actor: str) -> OrderView:
        return self._send(order_id, request, actor)

    def reject(self, order_id: int, reason: str, actor: str) -> OrderView:
        return self._broker_rejected(order_id, reason, actor)


def _no_actor_limits(actor: str | None) -> ActorScope | None:
    return None


def _needs_approval(decision: RiskDecision, scope: ActorScope | None) -> bool:
    """An order of an actor kind whose orders wait for a trader: passed, it is held (and
    sent by ``approve``); refused, it is rejected as any other."""
    return decision.approved and scope is not None and scope.limits.require_approval


def _rule(decision: RiskDecision) -> str | None:
    rejection = decision.rejection
    return None if rejection is None else rejection.rule
