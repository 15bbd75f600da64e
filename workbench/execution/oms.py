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

The parts: sending an intent, with its retries (``sending``); booking what the broker reports,
fills and status (``booking``); settling intents after a restart (``recovery``); orders held
for a trader's approval (``approvals``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.adapters.ports import Broker, BrokerEvent
from workbench.core.config import ActorScope
from workbench.core.errors import NotFound
from workbench.core.events import EventBus
from workbench.execution import booking, notify, records, sending
from workbench.execution.context import ContextBuilder
from workbench.execution.crash_points import crash_point
from workbench.execution.ids import new_client_order_id
from workbench.execution.risk import RiskContext, RiskDecision, RiskGate, RiskLimits
from workbench.execution.risk.exposure import OrderExposure
from workbench.execution.sending import RetryPolicy
from workbench.execution.states import ledger_status
from workbench.execution.views import OrderView, SubmitResult
from workbench.ledger import (
    AccountRow,
    Ledger,
    OrderRow,
    PositionRow,
    hold_audit_lock,
    row_id,
)
from workbench.model import Order, OrderRequest, OrderStatus, TradingState

if TYPE_CHECKING:
    from workbench.execution.approvals import HeldOrder

__all__ = ["OrderManager", "SubmitResult"]


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
        self.sleep = sleep
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
        crash_point("after_intent")
        return SubmitResult(sending.send(self, view.id, request, actor), decision)

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
            view = sending.send(self, view.id, request, actor)
        return SubmitResult(view, None, already_submitted=True)

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
        """Bring the ledger's order up to the broker's view of it (see ``booking``)."""
        return booking.apply_snapshot(self, order, actor=actor, kind=kind, event=event)

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
        reason = "canceled before it reached the broker"
        status = OrderStatus.CANCELED
        return sending.move_order(
            self, order_id, status, "canceled", at=self.now(), actor=actor, reason=reason
        )

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
        return sending.send(self, order_id, request, actor)

    def reject(self, order_id: int, reason: str, actor: str) -> OrderView:
        return sending.broker_rejected(self, order_id, reason, actor)


def _no_actor_limits(actor: str | None) -> ActorScope | None:
    return None


def _needs_approval(decision: RiskDecision, scope: ActorScope | None) -> bool:
    """An order of an actor kind whose orders wait for a trader: passed, it is held (and
    sent by ``approve``); refused, it is rejected as any other."""
    return decision.approved and scope is not None and scope.limits.require_approval


def _rule(decision: RiskDecision) -> str | None:
    rejection = decision.rejection
    return None if rejection is None else rejection.rule
