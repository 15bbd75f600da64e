"""Floor 5: execution. Orders go strategy or person -> risk gate -> OMS -> broker, and every
step lands in the ledger and its audit chain.

- ``OrderManager`` (oms): the state machine (states), write-ahead intents with deterministic
  ``client_order_id`` (ids), retries that cannot duplicate (sending), fills booked into
  positions, cash and P&L (booking, records, accounting), recovery after a crash (recovery);
- the risk gate (risk) and the trading state, ACTIVE / REDUCING / HALTED (control);
- reconciliation against the broker (reconcile);
- the live runner (runner) and replayed paper runs (session); backtest/paper parity (parity).

Names load on first use (PEP 562): importing one part (the views, the OMS) must not pull in the
runner and its pandas, so a command that only reads the ledger stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.execution.accounting import PositionState, apply_fill, cash_effect
    from workbench.execution.control import StateChange, set_every_trading_state, set_trading_state
    from workbench.execution.ids import decision_client_order_id, new_client_order_id
    from workbench.execution.oms import OrderManager
    from workbench.execution.reconcile import Difference, ReconciliationReport
    from workbench.execution.risk import (
        RiskCheck,
        RiskContext,
        RiskDecision,
        RiskGate,
        RiskLimits,
        RiskSettings,
    )
    from workbench.execution.runner import Decision, StepResult, StrategyRunner
    from workbench.execution.sending import RetryPolicy
    from workbench.execution.session import EquityPoint, ReplayOutcome, replay_sessions
    from workbench.execution.states import (
        LEDGER_STATUSES,
        TRANSITIONS,
        IllegalTransition,
        can_transition,
        check_transition,
        ledger_status,
    )
    from workbench.execution.views import FillView, OrderView, PositionView, SubmitResult
    from workbench.execution.wiring import order_manager_for

# eager, because the function shares its module's name: importing the submodule would otherwise
# bind the package attribute ``reconcile`` to the module instead of the function
from workbench.execution.reconcile import reconcile

__all__ = [
    "LEDGER_STATUSES",
    "TRANSITIONS",
    "Decision",
    "Difference",
    "EquityPoint",
    "FillView",
    "IllegalTransition",
    "OrderManager",
    "OrderView",
    "PositionState",
    "PositionView",
    "ReconciliationReport",
    "ReplayOutcome",
    "RetryPolicy",
    "RiskCheck",
    "RiskContext",
    "RiskDecision",
    "RiskGate",
    "RiskLimits",
    "RiskSettings",
    "StateChange",
    "StepResult",
    "StrategyRunner",
    "SubmitResult",
    "apply_fill",
    "can_transition",
    "cash_effect",
    "check_transition",
    "decision_client_order_id",
    "ledger_status",
    "new_client_order_id",
    "order_manager_for",
    "reconcile",
    "replay_sessions",
    "set_every_trading_state",
    "set_trading_state",
]

_HOME = {
    "Decision": "runner",
    "Difference": "reconcile",
    "EquityPoint": "session",
    "FillView": "views",
    "IllegalTransition": "states",
    "LEDGER_STATUSES": "states",
    "OrderManager": "oms",
    "OrderView": "views",
    "PositionState": "accounting",
    "PositionView": "views",
    "ReconciliationReport": "reconcile",
    "ReplayOutcome": "session",
    "RetryPolicy": "sending",
    "RiskCheck": "risk",
    "RiskContext": "risk",
    "RiskDecision": "risk",
    "RiskGate": "risk",
    "RiskLimits": "risk",
    "RiskSettings": "risk",
    "StateChange": "control",
    "StepResult": "runner",
    "StrategyRunner": "runner",
    "SubmitResult": "views",
    "TRANSITIONS": "states",
    "apply_fill": "accounting",
    "can_transition": "states",
    "cash_effect": "accounting",
    "check_transition": "states",
    "decision_client_order_id": "ids",
    "ledger_status": "states",
    "new_client_order_id": "ids",
    "order_manager_for": "wiring",
    "replay_sessions": "session",
    "set_every_trading_state": "control",
    "set_trading_state": "control",
}

__getattr__ = lazy_attributes(__name__, _HOME)
