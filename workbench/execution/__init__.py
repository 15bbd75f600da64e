"""Floor 5: execution. Orders go strategy or person -> risk gate -> OMS -> broker, and every
step lands in the ledger and its audit chain.

- ``OrderManager`` (oms): the state machine (states), write-ahead intents with deterministic
  ``client_order_id`` (ids), retries that cannot duplicate, fills booked into positions, cash
  and P&L (records, accounting), recovery after a crash;
- the risk gate (risk) and the trading state, ACTIVE / REDUCING / HALTED (control);
- reconciliation against the broker (reconcile);
- the live runner (runner) and replayed paper runs (session); backtest/paper parity (parity).
"""

from workbench.execution.accounting import PositionState, apply_fill, cash_effect
from workbench.execution.control import StateChange, set_every_trading_state, set_trading_state
from workbench.execution.ids import decision_client_order_id, new_client_order_id
from workbench.execution.oms import OrderManager, RetryPolicy, SubmitResult, ledger_status
from workbench.execution.reconcile import Difference, ReconciliationReport, reconcile
from workbench.execution.risk import (
    RiskCheck,
    RiskContext,
    RiskDecision,
    RiskGate,
    RiskLimits,
    RiskSettings,
)
from workbench.execution.runner import Decision, StepResult, StrategyRunner
from workbench.execution.session import EquityPoint, ReplayOutcome, replay_sessions
from workbench.execution.states import (
    LEDGER_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    can_transition,
    check_transition,
)
from workbench.execution.views import FillView, OrderView, PositionView
from workbench.execution.wiring import order_manager_for

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
