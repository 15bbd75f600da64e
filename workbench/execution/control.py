"""The kill switch: an account's trading state, ACTIVE, REDUCING or HALTED.

The state lives in the ledger's account row, and the OMS reads it before every order, so a
change made by any face (CLI, API, a reconciliation) holds at once for every process and every
running strategy sharing that ledger. Each change is audited and published on the bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.core import topics
from workbench.execution.views import OrderView
from workbench.ledger import AccountRow, append_audit
from workbench.model import TradingState

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["StateChange", "set_trading_state"]


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
    state = TradingState(state)
    at = oms.now()
    with oms.ledger.session() as session:
        row = session.get(AccountRow, oms.account_id)
        assert row is not None
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
    oms.bus.publish(
        topics.TRADING_STATE,
        {
            "account": oms.account_name,
            "state": str(state),
            "previous": str(previous),
            "actor": actor,
            "reason": reason,
            "at": at.isoformat(),
        },
    )
    canceled = tuple(oms.cancel_open(actor=actor)) if cancel_open else ()
    return StateChange(oms.account_name, state, previous, actor, reason, canceled)
