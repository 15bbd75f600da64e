"""Holdings and allocation: positions valued at the last close, weights against targets, drift,
and the pending rebalance plan (shown, never submitted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from workbench.analysis import RebalancePlan
from workbench.reporting.model import Chart, Metric, Report, Section, Table, ValueFormat

__all__ = ["HoldingsInput", "holdings_report", "holdings_sections"]

_POSITION_FORMATS: dict[str, ValueFormat] = {
    "qty": "number",
    "avg_entry_price": "money",
    "price": "money",
    "market_value": "money",
    "cost_basis": "money",
    "unrealized_pl": "money",
    "realized_pl": "money",
    "weight": "percent",
    "target_weight": "percent",
    "drift": "percent",
}


@dataclass(frozen=True)
class HoldingsInput:
    """``positions``: one row per held symbol with ``symbol``, ``qty``, ``price`` (the mark) and,
    when known, ``avg_entry_price``, ``realized_pl`` and ``sector``."""

    account: str
    as_of: date | None
    positions: pd.DataFrame
    cash: float
    targets: pd.Series[float] | None = None
    plan: RebalancePlan | None = None
    notes: tuple[str, ...] = ()


def holdings_report(data: HoldingsInput, *, params: Mapping[str, Any] | None = None) -> Report:
    return Report(
        kind="holdings",
        title=f"Holdings: {data.account}",
        subtitle="" if data.as_of is None else f"as of {data.as_of.isoformat()}",
        generated_at=datetime.now(UTC),
        sections=holdings_sections(data),
        params=dict(params or {}),
    )


def holdings_sections(data: HoldingsInput) -> tuple[Section, ...]:
    table = positions_table(data)
    invested = float(table["market_value"].sum()) if len(table) else 0.0
    equity = invested + data.cash
    metrics = (
        Metric("equity", "Equity", equity, "money"),
        Metric("cash", "Cash", data.cash, "money"),
        Metric("invested", "Invested", invested, "money"),
        Metric("cash_weight", "Cash weight", data.cash / equity if equity else None, "percent"),
        Metric("positions", "Positions", len(table), "integer"),
    )
    formats = {k: v for k, v in _POSITION_FORMATS.items() if k in table.columns}
    charts: tuple[Chart, ...] = ()
    if len(table):
        shown = [c for c in ("weight", "target_weight") if c in table.columns]
        weights = table.set_index("symbol")[shown].rename(
            columns={"weight": "current", "target_weight": "target"}
        )
        title = "Weights against targets" if len(shown) > 1 else "Weights"
        charts = (Chart.from_frame("weights", title, weights, kind="bar", y_format="percent"),)
    sections = [
        Section(
            "holdings",
            "Positions",
            metrics=metrics,
            tables=(Table("positions", "Positions", table, formats),),
            charts=charts,
            notes=data.notes if len(table) else ("The account holds no positions.", *data.notes),
        )
    ]
    if data.plan is not None:
        sections.append(_plan_section(data.plan))
    return tuple(sections)


def positions_table(data: HoldingsInput) -> pd.DataFrame:
    frame = data.positions.copy()
    for column in ("qty", "price"):
        frame[column] = frame[column].astype("float64")
    frame["market_value"] = frame["qty"] * frame["price"]
    equity = float(frame["market_value"].sum()) + data.cash
    if "avg_entry_price" in frame.columns:
        frame["avg_entry_price"] = frame["avg_entry_price"].astype("float64")
        frame["cost_basis"] = frame["qty"] * frame["avg_entry_price"]
        frame["unrealized_pl"] = frame["market_value"] - frame["cost_basis"]
    if "realized_pl" in frame.columns:
        frame["realized_pl"] = frame["realized_pl"].astype("float64")
    frame["weight"] = frame["market_value"] / equity if equity else float("nan")
    if data.targets is not None:
        targets = data.targets.astype("float64")
        frame["target_weight"] = frame["symbol"].map(targets).fillna(0.0)
        missing = [s for s in targets.index if s not in set(frame["symbol"])]
        if missing:
            extra = pd.DataFrame(
                {"symbol": missing, "qty": 0.0, "market_value": 0.0, "weight": 0.0}
            )
            extra["target_weight"] = targets.loc[missing].to_numpy()
            frame = pd.concat([frame, extra], ignore_index=True)
        frame["drift"] = frame["weight"] - frame["target_weight"]
    return frame.sort_values("market_value", ascending=False, kind="stable").reset_index(drop=True)


def _plan_section(plan: RebalancePlan) -> Section:
    orders = pd.DataFrame(
        [
            {
                "symbol": order.symbol,
                "side": str(order.side),
                "qty": float(order.qty),
                "est_price": float(order.est_price),
                "value": float(order.value),
            }
            for order in plan.orders
        ],
        columns=["symbol", "side", "qty", "est_price", "value"],
    )
    drift = plan.drift_frame().reset_index()
    drift["traded"] = drift["traded"].map({True: "yes", False: "no"})
    notes = ["The plan is shown, not submitted: execution submits orders."]
    if plan.skipped:
        notes.append(f"Past the band but below the minimum trade: {', '.join(plan.skipped)}.")
    return Section(
        "rebalance",
        "Pending rebalance plan",
        metrics=(
            Metric("plan_orders", "Planned orders", len(plan.orders), "integer"),
            Metric("plan_turnover", "Turnover", plan.turnover, "percent"),
            Metric("plan_costs", "Estimated costs", float(plan.est_costs), "money"),
            Metric("plan_cash_after", "Cash after", float(plan.est_cash_after), "money"),
        ),
        tables=(
            Table(
                "rebalance_orders",
                "Planned orders",
                orders,
                {"qty": "number", "est_price": "money", "value": "money"},
            ),
            Table(
                "drift",
                "Drift against targets",
                drift,
                {"current_weight": "percent", "target_weight": "percent", "drift": "percent"},
            ),
        ),
        notes=tuple(notes),
    )
