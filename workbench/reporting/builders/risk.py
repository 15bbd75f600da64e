"""The risk report of a book: VaR and ES by method, component VaR, exposure by sector,
concentration, liquidity, stress results and limit utilisation (``analysis.risk``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from workbench.analysis import LimitCheck, RiskReport
from workbench.analysis.risk import stress_table
from workbench.reporting.model import Metric, Report, Section, Table, ValueFormat

__all__ = ["risk_report_model", "risk_sections"]


def risk_report_model(
    report: RiskReport,
    *,
    book: str,
    as_of: date | None,
    limits: Sequence[LimitCheck] = (),
    params: Mapping[str, Any] | None = None,
) -> Report:
    return Report(
        kind="risk",
        title=f"Risk: {book}",
        subtitle="" if as_of is None else f"as of {as_of.isoformat()}",
        generated_at=datetime.now(UTC),
        sections=risk_sections(report, limits=limits),
        params=dict(params or {}),
    )


def risk_sections(report: RiskReport, *, limits: Sequence[LimitCheck] = ()) -> tuple[Section, ...]:
    return (
        _var_section(report),
        _component_section(report),
        _exposure_section(report),
        _stress_section(report),
        _limits_section(limits),
    )


def _var_section(report: RiskReport) -> Section:
    table = report.var.reset_index()
    metrics = [Metric("equity", "Equity", report.equity, "money")]
    for row in table.to_dict(orient="records"):
        method, level = str(row["method"]), f"{round(float(row['confidence']) * 100):d}"
        name = method.replace("_", "-")
        metrics.append(
            Metric(f"var_{method}_{level}", f"VaR {level}% {name}", float(row["var"]), "percent")
        )
        metrics.append(
            Metric(
                f"es_{method}_{level}",
                f"ES {level}% {name}",
                float(row["expected_shortfall"]),
                "percent",
            )
        )
    formats: dict[str, ValueFormat] = {
        "method": "text",
        "confidence": "percent",
        "horizon": "integer",
        "var": "percent",
        "expected_shortfall": "percent",
        "observations": "integer",
        "value": "money",
        "var_amount": "money",
        "expected_shortfall_amount": "money",
    }
    return Section(
        "var",
        "Value at Risk and Expected Shortfall",
        metrics=tuple(metrics),
        tables=(Table("var", "VaR and ES by method", table, formats),),
        notes=(
            "Losses are positive fractions of equity over the horizon, from the book's "
            f"simulated history of {int(table['observations'].iloc[0])} daily returns.",
        ),
    )


def _component_section(report: RiskReport) -> Section:
    portfolio = report.portfolio
    table = portfolio.positions.reset_index()
    formats: dict[str, ValueFormat] = {
        "market_value": "money",
        "marginal_var": "percent",
        "component_var": "money",
        "component_es": "money",
        "share": "percent",
    }
    level = f"{round(portfolio.confidence * 100):d}%"
    return Section(
        "component_var",
        f"Component VaR ({level}, delta-normal)",
        metrics=(
            Metric("portfolio_var", f"Portfolio VaR {level}", portfolio.var, "money"),
            Metric("portfolio_es", f"Portfolio ES {level}", portfolio.expected_shortfall, "money"),
            Metric("portfolio_volatility", "Daily volatility", portfolio.volatility, "percent"),
        ),
        tables=(Table("component_var", "Component VaR by position", table, formats),),
        notes=(f"Covariance: {portfolio.covariance} (shrinkage {portfolio.shrinkage:.3f}).",),
    )


def _exposure_section(report: RiskReport) -> Section:
    exposure = report.exposure
    concentration = exposure.concentration
    tables = []
    if exposure.by_sector is not None:
        sectors = exposure.by_sector.reset_index()
        formats: dict[str, ValueFormat] = dict.fromkeys(("long", "short", "gross", "net"), "money")
        formats |= {c: "percent" for c in sectors.columns if str(c).endswith("_fraction")}
        formats["count"] = "integer"
        tables.append(Table("sector_exposure", "Exposure by sector", sectors, formats))
    weights = concentration.largest.rename("gross_weight").rename_axis("symbol").reset_index()
    tables.append(Table("concentration", "Largest positions", weights, {"gross_weight": "percent"}))
    if report.liquidity is not None:
        liquidity = report.liquidity.reset_index()
        tables.append(
            Table(
                "liquidity",
                "Liquidity against average daily volume",
                liquidity,
                {
                    "quantity": "number",
                    "average_daily_volume": "integer",
                    "fraction_of_adv": "percent",
                    "days_to_liquidate": "number",
                },
            )
        )
    return Section(
        "exposure",
        "Exposure and concentration",
        metrics=(
            Metric("gross_leverage", "Gross leverage", exposure.gross_leverage, "ratio"),
            Metric("net_leverage", "Net leverage", exposure.net_leverage, "ratio"),
            Metric("positions", "Positions", exposure.positions, "integer"),
            Metric("hhi", "Herfindahl index", concentration.hhi, "ratio"),
            Metric(
                "effective_positions",
                "Effective positions",
                concentration.effective_positions,
                "ratio",
            ),
            Metric(
                "top_weight",
                f"Top {concentration.top_n} weight",
                concentration.top_weight,
                "percent",
            ),
        ),
        tables=tuple(tables),
    )


def _stress_section(report: RiskReport) -> Section:
    table = stress_table(report.stress).reset_index()
    formats: dict[str, ValueFormat] = {
        "start": "date",
        "end": "date",
        "available": "text",
        "pnl": "money",
        "pnl_fraction": "percent",
    }
    table["available"] = table["available"].map({True: "yes", False: "no"})
    return Section(
        "stress", "Stress tests", tables=(Table("stress", "Stress results", table, formats),)
    )


def _limits_section(limits: Sequence[LimitCheck]) -> Section:
    rows = [
        {
            "rule": check.rule,
            "value": check.value,
            "limit": check.limit,
            "utilisation": check.utilisation,
            "status": "breached" if check.breached else "warning" if check.warning else "ok",
            "message": check.message,
        }
        for check in limits
    ]
    frame = pd.DataFrame(
        rows, columns=["rule", "value", "limit", "utilisation", "status", "message"]
    )
    formats: dict[str, ValueFormat] = {
        "value": "number",
        "limit": "number",
        "utilisation": "percent",
    }
    notes = () if rows else ("No limits were given for this report.",)
    return Section(
        "limits",
        "Limit utilisation",
        tables=(
            Table(
                "limits",
                "Limit utilisation",
                frame.astype({"value": "float64", "limit": "float64", "utilisation": "float64"}),
                formats,
            ),
        ),
        notes=notes,
    )
