"""The data-quality report: what a batch (or the lake) breaks, counted, with the offending rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.model.plain import to_plain

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Issue", "QualityReport", "Severity"]

Severity = Literal["error", "warning"]
#: offending rows kept per issue: enough to act on, bounded for a 1M-row batch
SAMPLE_ROWS = 20


@dataclass(frozen=True)
class Issue:
    rule: str
    severity: Severity
    count: int
    message: str
    rows: pd.DataFrame = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        rows = self.rows.head(SAMPLE_ROWS).astype(object).where(self.rows.head(SAMPLE_ROWS).notna())
        return {
            "rule": self.rule,
            "severity": self.severity,
            "count": self.count,
            "message": self.message,
            "rows": [
                {k: to_plain(v) for k, v in row.items()} for row in rows.to_dict(orient="records")
            ],
        }


@dataclass(frozen=True)
class QualityReport:
    dataset: str
    source: str
    policy: str
    rows_in: int
    rows_accepted: int
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_rejected(self) -> int:
        return self.rows_in - self.rows_accepted

    def count(self, rule: str) -> int:
        return sum(i.count for i in self.issues if i.rule == rule)

    def headline(self) -> str:
        """One line: what was wrong, with the first offending row of each error."""
        if not self.issues:
            return f"{self.source}: {self.rows_in} rows, no problems"
        parts = [i.message for i in self.errors] or [i.message for i in self.warnings]
        return f"{self.source}: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "policy": self.policy,
            "rows_in": self.rows_in,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "ok": self.ok,
            "issues": [i.to_dict() for i in self.issues],
        }
