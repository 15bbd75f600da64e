"""What the gate answers: one ``RiskCheck`` per rule it evaluated, and the ``RiskDecision``.

A decision is what the audit chain records for every order, passed or refused, so it turns
into a JSON document (``to_dict``) with Decimals as strings: money keeps every digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workbench.core.errors import RiskRejected
from workbench.model.plain import to_plain

__all__ = ["RiskCheck", "RiskDecision"]

Number = Decimal | float


@dataclass(frozen=True, slots=True)
class RiskCheck:
    """One rule's verdict. ``limit`` and ``value`` are set for the rules that measure something
    (money as Decimal, fractions and counts as numbers); ``excess`` is how far over it went."""

    rule: str
    passed: bool
    message: str
    limit: Number | None = None
    value: Number | None = None

    @property
    def excess(self) -> Number | None:
        if self.passed or self.limit is None or self.value is None:
            return None
        if isinstance(self.value, Decimal) and isinstance(self.limit, Decimal):
            return self.value - self.limit
        if isinstance(self.value, int) and isinstance(self.limit, int):
            return self.value - self.limit  # counts
        # fractions: round off the binary noise of the subtraction (0.15 - 0.1)
        return round(float(self.value) - float(self.limit), 12)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "message": self.message,
            "limit": _plain(self.limit),
            "value": _plain(self.value),
            "excess": _plain(self.excess),
        }


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """Every check evaluated, in the gate's fixed order; approved when none failed."""

    approved: bool
    checks: tuple[RiskCheck, ...]

    @property
    def rejection(self) -> RiskCheck | None:
        """The first failed check: the rule that refused the order."""
        for check in self.checks:
            if not check.passed:
                return check
        return None

    @property
    def reason(self) -> str | None:
        rejection = self.rejection
        return None if rejection is None else rejection.message

    def check_for(self, rule: str) -> RiskCheck | None:
        """The check of one rule, or None when the rule was off (or could not be evaluated)."""
        for check in self.checks:
            if check.rule == rule:
                return check
        return None

    def to_dict(self) -> dict[str, Any]:
        rejection = self.rejection
        return {
            "approved": self.approved,
            "rule": None if rejection is None else rejection.rule,
            "reason": None if rejection is None else rejection.message,
            "checks": [check.to_dict() for check in self.checks],
        }

    def raise_if_rejected(self) -> None:
        """Raise ``RiskRejected`` naming the refusing rule, its limit, the value and the excess
        (as JSON-friendly details, so every face can print them as they are)."""
        rejection = self.rejection
        if rejection is None:
            return
        raise RiskRejected(
            rejection.message,
            rule=rejection.rule,
            limit=_plain(rejection.limit),
            value=_plain(rejection.value),
            excess=_plain(rejection.excess),
        )


def _plain(number: Number | None) -> str | float | None:
    plain: str | float | None = to_plain(number)  # Decimals as exact strings
    return plain
