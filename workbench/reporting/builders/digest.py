"""The alerts digest and the data-quality report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from workbench.data import QualityReport
from workbench.reporting.model import Metric, Report, Section, Table, ValueFormat

__all__ = ["alerts_report", "alerts_section", "quality_report", "quality_section"]

_ALERT_FORMATS: dict[str, ValueFormat] = {
    "id": "integer",
    "raised_at": "datetime",
    "acknowledged_at": "datetime",
    "resolved_at": "datetime",
}


def alerts_report(
    alerts: pd.DataFrame, *, period: str, params: Mapping[str, Any] | None = None
) -> Report:
    return Report(
        kind="alerts",
        title="Alerts digest",
        subtitle=period,
        generated_at=datetime.now(UTC),
        sections=(alerts_section(alerts),),
        params=dict(params or {}),
    )


def alerts_section(alerts: pd.DataFrame) -> Section:
    """``alerts``: id, raised_at, severity, state, scope, message, acknowledged_at,
    resolved_at; one row per alert raised in the period."""
    severity = alerts["severity"].astype(str)
    state = alerts["state"].astype(str)
    counts = (
        alerts.groupby(["severity", "state"]).size().rename("alerts").reset_index()
        if len(alerts)
        else pd.DataFrame({"severity": [], "state": [], "alerts": []}).astype({"alerts": "int64"})
    )
    metrics = (
        Metric("alerts", "Alerts raised", len(alerts), "integer"),
        Metric("open_alerts", "Still open", int((state == "open").sum()), "integer"),
        Metric("critical_alerts", "Critical", int((severity == "critical").sum()), "integer"),
        Metric("warning_alerts", "Warnings", int((severity == "warning").sum()), "integer"),
    )
    formats = {k: v for k, v in _ALERT_FORMATS.items() if k in alerts.columns}
    return Section(
        "alerts",
        "Alerts digest",
        metrics=metrics,
        tables=(
            Table("alert_counts", "Alerts by severity and state", counts, {"alerts": "integer"}),
            Table("alerts", "Alerts", alerts.reset_index(drop=True), formats),
        ),
        notes=() if len(alerts) else ("No alert was raised in the period.",),
    )


def quality_report(
    reports: Sequence[QualityReport], *, params: Mapping[str, Any] | None = None
) -> Report:
    return Report(
        kind="quality",
        title="Data quality",
        subtitle="every validation rule over what the lake holds",
        generated_at=datetime.now(UTC),
        sections=(quality_section(reports),),
        params=dict(params or {}),
    )


def quality_section(reports: Sequence[QualityReport]) -> Section:
    summary = pd.DataFrame(
        [
            {
                "dataset": r.dataset,
                "rows": r.rows_in,
                "errors": sum(i.count for i in r.errors),
                "warnings": sum(i.count for i in r.warnings),
                "status": "ok" if r.ok else "errors",
            }
            for r in reports
        ],
        columns=["dataset", "rows", "errors", "warnings", "status"],
    )
    issues = pd.DataFrame(
        [
            {
                "dataset": r.dataset,
                "rule": i.rule,
                "severity": i.severity,
                "count": i.count,
                "message": i.message,
            }
            for r in reports
            for i in r.issues
        ],
        columns=["dataset", "rule", "severity", "count", "message"],
    )
    counts: dict[str, ValueFormat] = {"rows": "integer", "errors": "integer", "warnings": "integer"}
    return Section(
        "quality",
        "Data quality",
        metrics=(
            Metric("datasets", "Datasets", len(reports), "integer"),
            Metric("rows_checked", "Rows checked", int(summary["rows"].sum()), "integer"),
            Metric(
                "quality_errors",
                "Rows breaking an error rule",
                int(summary["errors"].sum()),
                "integer",
            ),
            Metric(
                "quality_warnings", "Rows with a warning", int(summary["warnings"].sum()), "integer"
            ),
        ),
        tables=(
            Table("quality_summary", "Quality by dataset", summary, counts),
            Table("quality_issues", "Issues", issues, {"count": "integer"}),
        ),
        notes=() if reports else ("The lake is empty: nothing to check.",),
    )
