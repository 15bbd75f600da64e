"""The kill switch: an account's trading state, ACTIVE, REDUCING or HALTED.

The state lives in the ledger's account row, and the OMS reads it before every order, so a
change made by any face (CLI, API, a reconciliation) holds at once for every process and every
running strategy sharing that ledger. Each change is audited and published on the bus. The
kill switch of the faces (``workbench trade halt``) sets every account of the ledger, replayed
paper runs' included, unless it is told one account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from workbench.core import topics
from workbench.execution.views import OrderView
from workbench.ledger import AccountRow, append_audit
from workbench.model import TradingState

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["StateChange", "set_every_trading_state", "set_trading_state"]


@dataclass(frozen=True)
class StateChange:
    account: str
    state: TradingState
    previous: TradingState
    actor: str
    reason: str | None
    canceled: tuple[OrderView, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "state": str(self.state),
            "previous": str(self.previous),
            "actor": self.actor,
            "reason": self.reason,
            "canceled": [view.to_dict() for view in self.canceled],
        }


def set_trading_state(
    oms: OrderManager,
    state: TradingState,
    *,
    actor: str,
    reason: str | None = None,
    cancel_open: bool = False,
) -> StateChange:
    """Set the state (audited even when unchanged: someone asked); ``cancel_open`` then
    cancels every open order, which is what an operator halting in a hurry wants."""
    at = oms.now()
    with oms.ledger.session() as session:
        row = session.get(AccountRow, oms.account_id)
        assert row is not None
        change = _change(session, row, TradingState(state), actor, reason, cancel_open, at)
    _publish(oms, change, at)
    if not cancel_open:
        return change
    canceled = tuple(oms.cancel_open(actor=actor))
    return StateChange(change.account, change.state, change.previous, actor, reason, canceled)


def set_every_trading_state(
    oms: OrderManager,
    state: TradingState,
    *,
    actor: str,
    reason: str | None = None,
    cancel_open: bool = False,
) -> list[StateChange]:
    """The state of ``oms``'s account (canceling its open orders when asked) and of every
    other account in the ledger; a runner on another account sees it at its next order."""
    changes = [set_trading_state(oms, state, actor=actor, reason=reason, cancel_open=cancel_open)]
    at = oms.now()
    with oms.ledger.session() as session:
        others = session.scalars(sa.select(AccountRow).where(AccountRow.id != oms.account_id))
        changes += [
            _change(session, row, TradingState(state), actor, reason, False, at)
            for row in list(others)
        ]
    for change in changes[1:]:
        _publish(oms, change, at)
    return changes


def _change(
    session: Session,
    row: AccountRow,
    state: TradingState,
    actor: str,
    reason: str | None,
    cancel_open: bool,
    at: datetime,
) -> StateChange:
    previous = TradingState(row.trading_state)
    row.trading_state = state
    append_audit(
        session,
        kind="trading_state",
        actor=actor,
        payload={
            "at": at.isoformat(),
            "account": row.name,
            "state": str(state),
            "previous": str(previous),
            "reason": reason,
            "cancel_open": cancel_open,
        },
    )
    return StateChange(row.name, state, previous, actor, reason)


def _publish(oms: OrderManager, change: StateChange, at: datetime) -> None:
    oms.bus.publish(
        topics.TRADING_STATE,
        {
            "account": change.account,
            "state": str(change.state),
            "previous": str(change.previous),
            "actor": change.actor,
            "reason": change.reason,
            "at": at.isoformat(),
        },
    )
