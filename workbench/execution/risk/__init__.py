"""The pre-trade risk gate: limits per environment and per strategy, a snapshot of the account,
and a decision that names the rule and the excess (docs/risk.md)."""

from workbench.core.config import RiskLimits, RiskSettings
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.decision import RiskCheck, RiskDecision
from workbench.execution.risk.gate import RULES, RiskGate

__all__ = [
    "RULES",
    "RiskCheck",
    "RiskContext",
    "RiskDecision",
    "RiskGate",
    "RiskLimits",
    "RiskSettings",
]
