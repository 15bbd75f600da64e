"""The kill switch: HALT, REDUCE and back to ACTIVE, for every account of the ledger or only the
configured broker's, and the state of each (``ops.trade`` names these too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.execution import StateChange, set_every_trading_state, set_trading_state
from workbench.ledger import AccountRow
from workbench.model import TradingState

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["halt", "reduce", "resume", "trading_states"]


def halt(
    rt: Runtime,
    *,
    actor: str,
    reason: str | None = None,
    cancel_open: bool = True,
    only_this_account: bool = False,
) -> list[StateChange]:
    """The kill switch: nothing goes out from any account of the ledger (or only the
    configured broker's); the configured account's open orders are canceled unless told."""
    return _set(rt, TradingState.HALTED, actor, reason, cancel_open, only_this_account)


def reduce(
    rt: Runtime, *, actor: str, reason: str | None = None, only_this_account: bool = False
) -> list[StateChange]:
    return _set(rt, TradingState.REDUCING, actor, reason, False, only_this_account)


def resume(
    rt: Runtime, *, actor: str, reason: str | None = None, only_this_account: bool = False
) -> list[StateChange]:
    """Back to ACTIVE; this is also how a reconciliation's REDUCING is acknowledged."""
    return _set(rt, TradingState.ACTIVE, actor, reason, False, only_this_account)


def _set(
    rt: Runtime,
    state: TradingState,
    actor: str,
    reason: str | None,
    cancel_open: bool,
    only_this_account: bool,
) -> list[StateChange]:
    if only_this_account:
        change = set_trading_state(
            rt.oms, state, actor=actor, reason=reason, cancel_open=cancel_open
        )
        return [change]
    return set_every_trading_state(
        rt.oms, state, actor=actor, reason=reason, cancel_open=cancel_open
    )


def trading_states(rt: Runtime) -> list[dict[str, str]]:
    """Every account of the ledger with its broker and trading state, the configured one
    first (a HALT from any face sets them all)."""
    configured = rt.oms.account_id
    with rt.ledger.session(read_only=True) as session:
        rows = session.scalars(sa.select(AccountRow).order_by(AccountRow.id)).all()
        found = [
            {"account": row.name, "broker": row.broker, "state": str(row.trading_state)}
            for row in sorted(rows, key=lambda row: row.id != configured)
        ]
    return found
