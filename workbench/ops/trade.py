"""Use cases of trading by hand, over the configured broker (``WB_BROKER``: the paper book by
default) through the risk gate and the OMS. The kill switch (``halt``, ``reduce``, ``resume``,
``trading_states``) lives in ``ops.kill_switch`` and is named here too, beside the orders it stops.

Strategy runs (live and replayed), and the backtest/paper parity report, are in
``ops.trade_runs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.adapters import ReplayBroker
from workbench.core.errors import RiskRejected, ValidationError
from workbench.execution import (
    FillView,
    OrderView,
    PositionView,
    ReconciliationReport,
    RiskDecision,
    SubmitResult,
)
from workbench.execution import reconcile as reconcile_books
from workbench.execution.records import OPEN_STATUSES, cash_balance
from workbench.ledger import AccountRow, FillRow, OrderRow, PositionRow, exact_sums
from workbench.model import OrderRequest, OrderSide, OrderType, TimeInForce
from workbench.model.plain import to_plain
from workbench.model.symbols import normalize_symbol
from workbench.ops.kill_switch import halt, reduce, resume, trading_states

if TYPE_CHECKING:
    from workbench.execution.risk import RiskContext
    from workbench.runtime import Runtime

__all__ = [
    "AccountSummary",
    "account",
    "cancel",
    "check_venue_limits",
    "fills",
    "halt",
    "order",
    "order_request",
    "orders",
    "positions",
    "preview",
    "preview_kept",
    "reconcile",
    "reduce",
    "resume",
    "risk_context",
    "settle",
    "submit",
    "trading_states",
]


def order_request(
    symbol: str,
    side: str,
    *,
    qty: str | float | None = None,
    notional: str | float | None = None,
    type: str = "market",
    limit_price: str | float | None = None,
    stop_price: str | float | None = None,
    time_in_force: str = "day",
    client_order_id: str | None = None,
) -> OrderRequest:
    """An order from a face's strings, with a message naming the bad field."""
    request = OrderRequest(
        symbol=normalize_symbol(symbol),
        side=_choice("side", side, OrderSide),
        qty=_number("qty", qty),
        notional=_number("notional", notional),
        type=_choice("type", type, OrderType),
        time_in_force=_choice("time in force", time_in_force, TimeInForce),
        limit_price=_number("limit price", limit_price),
        stop_price=_number("stop price", stop_price),
        client_order_id=client_order_id,
    )
    check_venue_limits(request)
    return request


def check_venue_limits(request: OrderRequest) -> None:
    """Refuse what every venue refuses whatever the account, as the exchange's matching engine
    does (Alpaca's rules): an amount of a trillion or more, a qty or notional finer than nine
    decimal places, a notional under $1. A preview then says no where the broker would."""
    for name in ("qty", "notional", "limit_price", "stop_price", "trail_price"):
        amount = getattr(request, name)
        if amount is None:
            continue
        if amount >= _TOO_LARGE:
            raise ValidationError(f"{_label(name)} must be below {_TOO_LARGE:,}, got {amount}")
        if name in ("qty", "notional") and amount != amount.quantize(_NINE_PLACES):
            raise ValidationError(f"{_label(name)} can have at most 9 decimal places, got {amount}")
    if request.notional is not None and request.notional < 1:
        raise ValidationError(f"notional must be at least $1, got {request.notional}")


def _label(name: str) -> str:
    return name.replace("_", " ")


def preview(
    rt: Runtime,
    request: OrderRequest,
    *,
    strategy: str | None = None,
    actor: str | None = None,
    context: RiskContext | None = None,
) -> RiskDecision:
    """What the gate says of the order now; ``actor`` (``mcp:alice``) adds the checks of its
    kind's limits (``risk.actors``), as its submit would meet them. ``context``: the account
    as ``risk_context`` read it a moment ago (``preview_kept``)."""
    _check_strategy(rt, strategy)
    check_venue_limits(request)
    return rt.oms.preview(request, strategy=strategy, actor=actor, context=context)


def risk_context(rt: Runtime, symbol: str) -> RiskContext:
    """The risk gate's view of the account before an order for ``symbol`` (read only)."""
    return rt.oms.context.build(normalize_symbol(symbol), write=False)


async def preview_kept(
    rt: Runtime, request: OrderRequest, *, strategy: str | None = None
) -> RiskDecision:
    """``preview`` over the account as kept for every caller a moment (``ops.kept_reads``:
    an order or fill of this process drops it at once), answered as of when it was read: a
    hundred previews a second read the ledger, the broker and the venue's clock once, not a
    hundred times. The submit that follows reads afresh and decides."""
    from anyio.to_thread import run_sync  # the API's loop only: the CLI never pays the import

    from workbench.ops.kept_reads import kept

    symbol = request.symbol
    context = await kept(rt, "account", ("risk", symbol), lambda: risk_context(rt, symbol))
    if strategy is None:
        # the gate over a view already read is computing alone: on the loop, no thread hop
        return preview(rt, request, context=context)
    # naming a strategy may import the registry's modules on first use: not on the loop
    return await run_sync(lambda: preview(rt, request, strategy=strategy, context=context))


def submit(
    rt: Runtime,
    request: OrderRequest,
    *,
    actor: str,
    strategy: str | None = None,
    refuse: bool = False,
) -> SubmitResult:
    """Gate, record and send; the answer reflects every event the broker had by then. On a
    replay (the paper book), sending an order moves its clock to the next print (the open, then the
    close): replay time passes as a person trades, and a market order fills as it would there.
    A ``client_order_id`` the ledger knows sends nothing: the answer is that order, marked
    ``already_submitted``. ``strategy`` must be a registered strategy's name. An actor whose
    kind needs a trader's approval (``risk.actors``) gets its order back ``pending_approval``:
    held, not sent (``ops.approvals``). With ``refuse``, an order the risk gate rejected
    (recorded as such) raises ``RiskRejected`` naming the rule, its value, limit and excess and
    the order, for faces that answer a refusal as an error."""
    _check_strategy(rt, strategy)
    result = rt.oms.submit(request, actor=actor, strategy=strategy)
    if refuse and result.decision is not None and not result.decision.approved:
        _raise_refusal(result)
    return settle(rt, result, actor=actor)


def settle(rt: Runtime, result: SubmitResult, *, actor: str) -> SubmitResult:
    """The answer to a send, with every event the broker had by then (on a replay, after
    moving its clock to the next print, so a market order fills)."""
    oms = rt.oms
    sent = not result.already_submitted and result.accepted and not result.held
    if sent and isinstance(oms.broker, ReplayBroker):
        oms.broker.next_print()
    oms.process_events(actor=actor)
    return SubmitResult(oms.find(str(result.order.id)), result.decision, result.already_submitted)


def _raise_refusal(result: SubmitResult) -> None:
    assert result.decision is not None
    try:
        result.decision.raise_if_rejected()
    except RiskRejected as refusal:
        refusal.details.update(
            order_id=result.order.id,
            client_order_id=result.order.client_order_id,
            checks=[check.to_dict() for check in result.decision.checks],
        )
        raise


def _check_strategy(rt: Runtime, name: str | None) -> None:
    """An order's strategy is one the workbench knows (its risk limits and its reports go by
    the name): a registered strategy, or one with its own limits in the configuration."""
    if name is None:
        return
    from workbench.strategy.registry import list_strategies

    known = {strategy.name for strategy in list_strategies()} | set(rt.settings.risk.strategies)
    if name not in known:
        raise ValidationError(
            f"unknown strategy {name!r}: known are {', '.join(sorted(known))} "
            "(`workbench strategy list` shows them)"
        )


def cancel(rt: Runtime, reference: str, *, actor: str) -> OrderView:
    return rt.oms.cancel(reference, actor=actor)


def order(rt: Runtime, reference: str) -> OrderView:
    """One order of the configured account, by ledger id or client order id."""
    return rt.oms.find(reference)


def orders(
    rt: Runtime,
    *,
    status: str = "all",
    limit: int = 50,
    run_id: int | None = None,
    offset: int = 0,
) -> list[OrderView]:
    """The account's orders (or a run's), newest first, skipping the first ``offset``;
    ``status`` is open, closed, all or one status."""
    if run_id is not None:
        query = sa.select(OrderRow).where(OrderRow.run_id == run_id)
    else:
        oms = rt.oms
        oms.process_events(actor="broker")
        query = sa.select(OrderRow).where(OrderRow.account_id == oms.account_id)
    if status == "open":
        query = query.where(OrderRow.status.in_(OPEN_STATUSES))
    elif status == "closed":
        query = query.where(OrderRow.status.not_in(OPEN_STATUSES))
    elif status != "all":
        from workbench.model import OrderStatus

        query = query.where(OrderRow.status == _choice("status", status, OrderStatus))
    with rt.ledger.session(read_only=True) as session:
        rows = session.scalars(query.order_by(OrderRow.id.desc()).offset(offset).limit(limit))
        return [OrderView.of(row) for row in rows]


def fills(
    rt: Runtime, *, run_id: int | None = None, limit: int = 500, offset: int = 0
) -> list[FillView]:
    """A run's fills, or the configured account's, oldest first, skipping the first
    ``offset``."""
    query = sa.select(FillRow, OrderRow.client_order_id).join(
        OrderRow, FillRow.order_id == OrderRow.id
    )
    query = query.where(
        OrderRow.run_id == run_id
        if run_id is not None
        else OrderRow.account_id == rt.oms.account_id
    )
    with rt.ledger.session(read_only=True) as session:
        rows = session.execute(query.order_by(FillRow.id).offset(offset).limit(limit)).all()
        return [FillView.of(fill, cid) for fill, cid in rows]


def positions(rt: Runtime) -> list[PositionView]:
    oms = rt.oms
    oms.process_events(actor="broker")
    with rt.ledger.session(read_only=True) as session:
        rows = list(
            session.scalars(
                sa.select(PositionRow)
                .where(PositionRow.account_id == oms.account_id, PositionRow.qty != 0)
                .order_by(PositionRow.symbol)
            )
        )
    prices = oms.context.prices([row.symbol for row in rows]) if rows else {}
    return [PositionView.of(row, prices.get(row.symbol)) for row in rows]


@dataclass(frozen=True)
class AccountSummary:
    account: str
    broker: str
    trading_state: str
    cash: Decimal
    positions_value: Decimal
    equity: Decimal
    realized_pl: Decimal
    unrealized_pl: Decimal
    open_orders: int
    broker_cash: Decimal
    broker_equity: Decimal
    buying_power: Decimal

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = to_plain(self)
        return result


def account(rt: Runtime) -> AccountSummary:
    """The ledger's view (cash, positions at last prices, P&L) beside the broker's."""
    oms = rt.oms
    held = positions(rt)
    with rt.ledger.session(read_only=True) as session:
        cash = cash_balance(session, oms.account_id)
        row = session.get(AccountRow, oms.account_id)
        assert row is not None
        state, broker = str(row.trading_state), row.broker
        realized = exact_sums(
            session, PositionRow.realized_pl, PositionRow.account_id == oms.account_id
        ).get(None, Decimal(0))
    value = sum((p.market_value or Decimal(0) for p in held), Decimal(0))
    theirs = oms.broker.account()
    return AccountSummary(
        account=oms.account_name,
        broker=broker,
        trading_state=state,
        cash=cash,
        positions_value=value,
        equity=cash + value,
        realized_pl=Decimal(str(realized)),
        unrealized_pl=sum((p.unrealized_pl or Decimal(0) for p in held), Decimal(0)),
        open_orders=len(oms.open_orders()),
        broker_cash=theirs.cash,
        broker_equity=theirs.equity,
        buying_power=theirs.buying_power,
    )


def reconcile(rt: Runtime, *, actor: str = "reconciliation") -> ReconciliationReport:
    return reconcile_books(rt.oms, actor=actor)


_TOO_LARGE = Decimal(10**12)
_NINE_PLACES = Decimal("1e-9")


def _number(name: str, value: str | float | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValidationError(f"{name} must be a positive number, got {value!r}")
    return number


def _choice(name: str, value: str, kind: Any) -> Any:
    try:
        return kind(value.lower())
    except ValueError:
        allowed = ", ".join(str(member) for member in kind)
        raise ValidationError(f"{name} must be one of {allowed}, got {value!r}") from None
