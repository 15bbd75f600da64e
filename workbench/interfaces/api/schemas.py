"""What the API answers with: pydantic models named ``...Public``, filled from ``ops`` results
through ``workbench.model.to_plain`` (Decimals as exact strings, instants as ISO 8601 UTC), and
the problem body every error shares."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccountPublic",
    "BacktestCreate",
    "BarPublic",
    "BarsPagePublic",
    "CheckPublic",
    "CoveragePublic",
    "FieldProblemPublic",
    "FillPublic",
    "HealthPublic",
    "JobPublic",
    "JobResultPublic",
    "OptimizationCreate",
    "OrderPublic",
    "PositionPublic",
    "ProblemPublic",
    "QualityIssuePublic",
    "QualityPublic",
    "ReadinessPublic",
    "ReportCreate",
    "StrategyPublic",
    "StrictInput",
    "WalkForwardCreate",
]

_DECIMAL = 'a decimal number as an exact string, e.g. "101.25"'


class _Public(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StrictInput(BaseModel):
    """The base of every request body: an unknown field is a 422 naming it, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=10_000)


class FieldProblemPublic(_Public):
    field: str = Field(description="where: query.limit, path.symbol, body.qty...")
    message: str
    allowed: dict[str, str] | None = Field(default=None, description="the bounds it broke")


class ProblemPublic(_Public):
    """RFC 9457 problem details, plus ``code`` and the error's own fields."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldProblemPublic] | None = None


class HealthPublic(_Public):
    status: str = "ok"


class CheckPublic(_Public):
    name: str
    status: str = Field(description="ok, warn, fail or skip")
    detail: str
    seconds: float


class ReadinessPublic(_Public):
    ready: bool
    checks: list[CheckPublic]


class CoveragePublic(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)

    dataset: str
    symbol: str
    rows: int
    first: str | None
    last: str | None


class BarPublic(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)

    symbol: str
    timestamp: str
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None


class BarsPagePublic(_Public):
    symbol: str
    timeframe: str
    total: int = Field(description="bars in the range; page on with offset")
    offset: int
    limit: int
    bars: list[BarPublic]


class QualityIssuePublic(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)

    rule: str
    severity: str
    count: int
    message: str


class QualityPublic(_Public):
    dataset: str
    rows: int
    ok: bool
    issues: list[QualityIssuePublic]


class StrategyPublic(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    kind: str
    summary: str
    params: Any = None


class AccountPublic(_Public):
    account: str
    broker: str
    trading_state: str
    cash: str = Field(description=_DECIMAL)
    positions_value: str
    equity: str
    realized_pl: str
    unrealized_pl: str
    open_orders: int
    broker_cash: str
    broker_equity: str
    buying_power: str


class PositionPublic(_Public):
    symbol: str
    qty: str = Field(description=_DECIMAL)
    avg_entry_price: str
    price: str | None
    market_value: str | None
    unrealized_pl: str | None
    realized_pl: str


class OrderPublic(_Public):
    id: int
    client_order_id: str
    broker_order_id: str | None
    symbol: str
    side: str
    type: str
    time_in_force: str
    qty: str | None = Field(description=_DECIMAL)
    notional: str | None
    limit_price: str | None
    stop_price: str | None
    status: str
    filled_qty: str
    filled_avg_price: str | None
    reason: str | None
    strategy: str | None
    run_id: int | None
    created_at: str
    updated_at: str


class FillPublic(_Public):
    order_id: int
    client_order_id: str
    fill_id: str
    symbol: str
    side: str
    qty: str = Field(description=_DECIMAL)
    price: str
    fee: str
    filled_at: str


# -- jobs ------------------------------------------------------------------------------------
_SYMBOL = Field(min_length=1, max_length=32)
_CONFIG = Field(
    default=None,
    description="backtest settings: initial_cash, fees, fee_per_share, slippage, execution, "
    "sizing, stop_loss, take_profit, trailing_stop, direction, cash_sharing, benchmark",
)


class _StrategyJobCreate(StrictInput):
    strategy: str = Field(min_length=1, max_length=200, description="a registered strategy")
    symbols: list[Annotated[str, _SYMBOL]] = Field(min_length=1, max_length=500)
    start: date | None = None
    end: date | None = None
    config: dict[str, Any] | None = _CONFIG


class BacktestCreate(_StrategyJobCreate):
    params: dict[str, Any] = Field(default_factory=dict, description="the strategy's parameters")


class _GridJobCreate(_StrategyJobCreate):
    grid: dict[str, Any] = Field(
        min_length=1, description='each parameter\'s values: a list, one value, or "5:50:5"'
    )
    constraints: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20, description='e.g. "fast < slow"'
    )
    objective: str = Field(default="sharpe", min_length=1, max_length=64)


class OptimizationCreate(_GridJobCreate):
    maximize: bool | None = Field(default=None, description="default: the objective's sense")
    separate: bool = Field(default=False, description="each symbol its own portfolio")


class WalkForwardCreate(_GridJobCreate):
    train: int = Field(default=504, ge=1, le=100_000, description="bars in each in-sample window")
    test: int = Field(default=126, ge=1, le=100_000, description="bars in each out-of-sample one")
    anchored: bool = False


class ReportCreate(StrictInput):
    kind: str = Field(min_length=1, max_length=32, description="performance, risk, holdings...")
    format: str = Field(default="html", min_length=1, max_length=16)
    run_id: int | None = Field(default=None, ge=1)
    start: date | None = None
    end: date | None = None


class JobPublic(_Public):
    id: int
    kind: str = Field(description="backtest, optimize, walk_forward or report")
    owner: str
    state: str = Field(description="queued, running, succeeded, failed, canceled, interrupted")
    progress: float = Field(description="0 to 1")
    message: str | None
    parameters: dict[str, Any] = Field(description="as checked: what a resubmission runs")
    result_id: int | None = Field(description="the stored run or report holding the result")
    result_kind: str | None = Field(description="run or report")
    error: str | None = Field(description="one line, when it failed or was interrupted")
    attempts: int
    created_at: str
    started_at: str | None
    finished_at: str | None


class JobResultPublic(_Public):
    job_id: int
    kind: str
    result_kind: str | None
    result_id: int | None
    result: dict[str, Any] = Field(description="the run's or report's summary")
