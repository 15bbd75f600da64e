"""The typed answers of the MCP tools: ``ToolAnswer[D]`` is every tool's envelope and ``D`` its
data, so the ``outputSchema`` the server publishes names the fields a tool answers with. An
answer cut to size keeps the first items of its lists (still valid); data too large even then
becomes ``CutText``. Models allow extra fields: a use case may add a figure without breaking a
client, but the fields named here are always of these types."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Account",
    "AlertRow",
    "Allocation",
    "AuditRecord",
    "AuditVerification",
    "BacktestData",
    "BarsSummary",
    "CoverageRow",
    "CutText",
    "IndicatorValues",
    "LatestBar",
    "Optimisation",
    "OrderPreview",
    "OrderRow",
    "Parity",
    "Performance",
    "PositionRow",
    "QualityReport",
    "RebalancePlan",
    "ReportMade",
    "Risk",
    "RuleRow",
    "RunRow",
    "StateChange",
    "StrategyBrief",
    "StrategyDetail",
    "Stress",
    "Submitted",
    "ToolAnswer",
    "WalkForward",
]

D = TypeVar("D")
Number = float | int
Money = str | float | None  # exact amounts travel as decimal strings


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CutText(BaseModel):
    """Data too large to fit even with its lists cut: its JSON, cut as text."""

    model_config = ConfigDict(extra="forbid")
    text: str


class ToolAnswer(BaseModel, Generic[D]):
    """Every tool's structured answer."""

    summary: str = Field(description="one line: what was done and the key numbers")
    data: D | CutText | None = Field(
        default=None, description="the result, cut to the configured size"
    )
    links: list[str] = Field(
        default_factory=list, description="resource links to the whole result, read in pages"
    )
    truncated: bool = Field(default=False, description="true when data was cut to fit")
    paging: str | None = Field(default=None, description="how to get the rest")


# -- market data ------------------------------------------------------------------------------
class CoverageRow(_Open):
    dataset: str
    symbol: str | None = None
    first: str | None = None
    last: str | None = None
    rows: int | None = None
    sessions: int | None = None
    missing_sessions: int | None = None


class BarsSummary(_Open):
    symbol: str
    bars: int
    first: str
    last: str
    first_close: float
    last_close: float
    total_return: float = Field(alias="return")
    high: float
    low: float
    mean_volume: float | None = None
    daily_volatility: float | None = None


class LatestBar(_Open):
    symbol: str
    timestamp: str
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    volume: float | None = None


class QualityIssue(_Open):
    rule: str
    severity: str
    count: int
    message: str | None = None
    rows: list[dict[str, Any]] = Field(default_factory=list)


class QualityReport(_Open):
    dataset: str
    rows_in: int
    rows_accepted: int
    issues: list[QualityIssue]


# -- strategies and runs ----------------------------------------------------------------------
class StrategyBrief(_Open):
    name: str
    kind: str | None = None
    description: str | None = None


class StrategyParam(_Open):
    name: str
    kind: str
    default: Any = None
    min: Number | None = None
    max: Number | None = None


class StrategyDetail(_Open):
    name: str
    kind: str
    summary: str | None = None
    params: list[StrategyParam]
    constraints: list[str] = Field(default_factory=list)


class Figures(_Open):
    total_return: float | None = None
    cagr: float | None = None
    sharpe: float | None = None
    max_drawdown: float | None = None
    annual_volatility: float | None = None


class BacktestData(_Open):
    run_id: int | None = None
    strategy: str
    symbols: list[str]
    params: dict[str, Any] = Field(default_factory=dict)
    initial_cash: float | None = None
    final_equity: float | None = None
    orders: int | None = None
    trades: int | None = None
    stats: Figures | None = None


class Optimisation(_Open):
    run_id: int | None = None
    strategy: str
    objective: str
    combinations: int
    best_params: dict[str, Any] | None = None
    best_value: float | None = None
    top: list[dict[str, Any]] = Field(default_factory=list)


class WalkForward(_Open):
    run_id: int | None = None
    strategy: str
    objective: str
    in_sample_mean: float | None = None
    out_of_sample_mean: float | None = None
    final_equity: float | None = None
    windows: list[dict[str, Any]] = Field(default_factory=list)


class RunRow(_Open):
    run_id: int
    kind: str
    strategy: str | None = None
    status: str | None = None
    started_at: str | None = None


class Parity(_Open):
    run_id: int
    sessions: int


class ReportMade(_Open):
    id: int
    kind: str
    format: str
    path: str
    run_id: int | None = None


# -- the book and orders ----------------------------------------------------------------------
class Account(_Open):
    account: str
    trading_state: str
    cash: Money
    equity: Money
    positions_value: Money = None
    open_orders: int | None = None


class PositionRow(_Open):
    symbol: str
    qty: Money = None
    market_value: Money = None
    unrealized_pl: Money = None


class OrderRow(_Open):
    id: int | None = None
    client_order_id: str | None = None
    symbol: str
    side: str
    status: str
    qty: Money = None
    filled_qty: Money = None


class OrderPreview(_Open):
    order: dict[str, Any]
    risk: dict[str, Any]
    estimated_value: Money = None
    estimated_cost: Money = None
    confirmation_token: str | None = None
    expires_at: str | None = None


class Submitted(_Open):
    order: OrderRow


class StateChange(_Open):
    account: str | None = None


class AlertRow(_Open):
    id: int
    rule: str | None = None
    severity: str
    state: str
    message: str
    acknowledged_by: str | None = None


class RuleRow(_Open):
    name: str
    kind: str
    params: dict[str, Any]
    owner: str | None = None


# -- analysis ---------------------------------------------------------------------------------
class IndicatorValues(_Open):
    last: dict[str, dict[str, Any]]
    rows: list[dict[str, Any]]


class PerformanceResult(_Open):
    subject: str
    summary: Figures


class Performance(_Open):
    basis: str
    benchmark: str | None = None
    results: list[PerformanceResult]


class Risk(_Open):
    equity: float | None = None
    market_values: dict[str, float] = Field(default_factory=dict)
    var: list[dict[str, Any]] = Field(default_factory=list)
    portfolio: dict[str, Any] | None = None


class StressScenario(_Open):
    scenario: str
    pnl: float | None = None


class Stress(_Open):
    equity: float | None = None
    scenarios: list[StressScenario]


class Weight(_Open):
    symbol: str
    weight: float


class Allocation(_Open):
    method: str
    weights: list[Weight]


class PlannedOrder(_Open):
    symbol: str
    side: str
    qty: Money = None


class Drift(_Open):
    symbol: str
    current_weight: float | None = None
    target_weight: float | None = None
    drift: float | None = None


class RebalancePlan(_Open):
    submitted: bool
    orders: list[PlannedOrder]
    drift: list[Drift] = Field(default_factory=list)


# -- audit ------------------------------------------------------------------------------------
class AuditVerification(_Open):
    ok: bool
    records: int
    head_hash: str | None = None


class AuditRecord(_Open):
    seq: int
    kind: str
    actor: str | None = None
    created_at: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
