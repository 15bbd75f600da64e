"""The execution report: orders, fills, rejects with their reasons and slippage against the
arrival price, plus whatever extra tables and notes the caller attaches (the backtest/paper
parity report of the execution engine arrives that way)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from workbench.reporting.model import Metric, Report, Section, Table, ValueFormat

__all__ = ["ExecutionInput", "execution_report", "execution_sections", "slippage_table"]

_REJECTED = ("rejected",)
_CANCELED = ("canceled", "expired")
_FILLED = ("filled", "partially_filled")


@dataclass(frozen=True)
class ExecutionInput:
    """``orders``: id, client_order_id, symbol, side, type, qty, status, filled_qty,
    filled_avg_price, reason, submitted_at (one row per order). ``fills``: order_id, symbol,
    side, qty, price, fee, filled_at. ``arrival``: the arrival price of each order id and
    where it came from (``arrival_price``, ``arrival_source``). ``extra_tables`` and
    ``extra_notes`` form one more section, titled ``extra_title``."""

    orders: pd.DataFrame
    fills: pd.DataFrame
    arrival: pd.DataFrame | None = None
    extra_title: str = "Backtest / paper parity"
    extra_tables: Sequence[Table] = ()
    extra_notes: Sequence[str] = ()


def execution_report(
    data: ExecutionInput, *, title: str, params: Mapping[str, Any] | None = None
) -> Report:
    return Report(
        kind="execution",
        title=title,
        generated_at=datetime.now(UTC),
        sections=execution_sections(data),
        params=dict(params or {}),
    )


def execution_sections(data: ExecutionInput) -> tuple[Section, ...]:
    orders, fills = data.orders, data.fills
    status = orders["status"].astype(str)
    slippage = slippage_table(orders, data.arrival)
    traded = float((fills["qty"].astype(float) * fills["price"].astype(float)).sum())
    cost = float(slippage["slippage_cost"].sum()) if len(slippage) else 0.0
    filled_notional = float(slippage["notional"].sum()) if len(slippage) else 0.0
    metrics = (
        Metric("orders", "Orders", len(orders), "integer"),
        Metric("filled_orders", "Filled", int(status.isin(_FILLED).sum()), "integer"),
        Metric("rejected_orders", "Rejected", int(status.isin(_REJECTED).sum()), "integer"),
        Metric(
            "canceled_orders", "Canceled or expired", int(status.isin(_CANCELED).sum()), "integer"
        ),
        Metric("fills", "Fills", len(fills), "integer"),
        Metric("traded_value", "Traded value", traded, "money"),
        Metric("fees", "Fees", float(fills["fee"].astype(float).sum()), "money"),
        Metric("slippage_cost", "Slippage cost", cost, "money"),
        Metric(
            "slippage_bps",
            "Slippage (value-weighted)",
            cost / filled_notional * 10_000 if filled_notional else None,
            "bps",
        ),
    )
    order_formats: dict[str, ValueFormat] = {
        "id": "integer",
        "qty": "number",
        "filled_qty": "number",
        "filled_avg_price": "money",
        "limit_price": "money",
        "submitted_at": "datetime",
        "run_id": "integer",
    }
    rejects = orders.loc[status.isin(_REJECTED + _CANCELED)]
    reject_columns = [
        c
        for c in ("id", "symbol", "side", "qty", "status", "reason", "submitted_at")
        if c in orders.columns
    ]
    fill_formats: dict[str, ValueFormat] = {
        "order_id": "integer",
        "qty": "number",
        "price": "money",
        "fee": "money",
        "filled_at": "datetime",
    }
    sections = [
        Section(
            "execution",
            "Execution summary",
            metrics=metrics,
            tables=(
                Table(
                    "orders", "Orders", orders.reset_index(drop=True), _only(order_formats, orders)
                ),
                Table("fills", "Fills", fills.reset_index(drop=True), _only(fill_formats, fills)),
            ),
        ),
        Section(
            "rejects",
            "Rejects and cancels",
            tables=(
                Table(
                    "rejects",
                    "Rejected, canceled and expired orders with their reasons",
                    rejects.loc[:, reject_columns].reset_index(drop=True),
                    _only(order_formats, rejects),
                ),
            ),
            notes=() if len(rejects) else ("No order was rejected, canceled or expired.",),
        ),
        Section(
            "slippage",
            "Slippage against arrival price",
            tables=(
                Table(
                    "slippage",
                    "Slippage by order",
                    slippage,
                    {
                        "order_id": "integer",
                        "filled_qty": "number",
                        "arrival_price": "money",
                        "filled_avg_price": "money",
                        "notional": "money",
                        "slippage_bps": "bps",
                        "slippage_cost": "money",
                    },
                ),
            ),
            notes=(
                "Slippage is signed as a cost: positive when a buy paid more, or a sell "
                "received less, than the arrival price.",
            ),
        ),
    ]
    if data.extra_tables or data.extra_notes:
        sections.append(
            Section(
                "parity",
                data.extra_title,
                tables=tuple(data.extra_tables),
                notes=tuple(data.extra_notes),
            )
        )
    return tuple(sections)


def slippage_table(orders: pd.DataFrame, arrival: pd.DataFrame | None) -> pd.DataFrame:
    """One row per order with a fill and an arrival price: bps and money lost to the move."""
    columns = [
        "order_id",
        "symbol",
        "side",
        "filled_qty",
        "arrival_price",
        "arrival_source",
        "filled_avg_price",
        "notional",
        "slippage_bps",
        "slippage_cost",
    ]
    done = orders.loc[orders["filled_qty"].astype(float) > 0]
    if arrival is None or done.empty:
        return pd.DataFrame(columns=columns).astype(
            {c: "float64" for c in columns[3:] if c != "arrival_source"}
        )
    frame = done.rename(columns={"id": "order_id"}).merge(arrival, on="order_id", how="inner")
    qty = frame["filled_qty"].astype(float)
    price = frame["filled_avg_price"].astype(float)
    start = frame["arrival_price"].astype(float)
    sign = np.where(frame["side"].astype(str) == "sell", -1.0, 1.0)
    frame["filled_qty"], frame["filled_avg_price"], frame["arrival_price"] = qty, price, start
    frame["notional"] = qty * start
    frame["slippage_bps"] = sign * (price - start) / start * 10_000
    frame["slippage_cost"] = sign * (price - start) * qty
    return frame.loc[:, columns].reset_index(drop=True)


def _only(formats: dict[str, ValueFormat], frame: pd.DataFrame) -> dict[str, ValueFormat]:
    return {k: v for k, v in formats.items() if k in frame.columns}
