"""Bodies and answers of the analysis routes (``/api/v1/analysis``).

The bodies take what ``workbench analyze risk|stress|rebalance`` take, typed and bounded: a
book as weights, quantities or the ledger's; confidences in (0.5, 1); at most
``MAX_SYMBOLS`` symbols. The answers are the ops reports' ``to_dict()`` through
``to_plain``: the fields named here are always there, the rest (tables as lists of rows) is
described by the report's own documentation."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from workbench.interfaces.api.params import MAX_SYMBOLS
from workbench.interfaces.api.schemas import StrictInput, _Public

__all__ = [
    "AllocationMethod",
    "AllocationPublic",
    "BookInput",
    "Confidence",
    "FrontierPublic",
    "IndicatorCatalogPublic",
    "IndicatorValuesPublic",
    "PerformancePublic",
    "PortfolioRiskInput",
    "PortfolioRiskPublic",
    "RebalanceInput",
    "RebalancePublic",
    "StressInput",
    "StressPublic",
    "StressWindowInput",
    "SymbolVarPublic",
    "VarMethod",
]

Symbol = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)]
Move = Annotated[float, Field(ge=-1, le=10, allow_inf_nan=False, description="-0.1 = -10%")]
#: a VaR confidence, e.g. 0.95
Confidence = Annotated[float, Field(gt=0.5, lt=1)]
Horizon = Annotated[int, Field(ge=1, le=252, description="days the loss runs over")]
Lookback = Annotated[int, Field(ge=2, le=10_000, description="the last N daily returns")]
Share = Annotated[float, Field(ge=0, le=1)]


class VarMethod(StrEnum):
    ALL = "all"
    HISTORICAL = "historical"
    PARAMETRIC = "parametric"
    CORNISH_FISHER = "cornish_fisher"
    MONTE_CARLO = "monte_carlo"


class AllocationMethod(StrEnum):
    EQUAL_WEIGHT = "equal_weight"
    INVERSE_VOLATILITY = "inverse_volatility"
    MIN_VARIANCE = "min_variance"
    MAX_SHARPE = "max_sharpe"
    RISK_PARITY = "risk_parity"
    HRP = "hrp"
    USER = "user"


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BookInput(_Input):
    """A book: ``weights`` of ``value`` (the rest cash), ``quantities`` (signed shares) and
    ``cash``, or ``ledger: true`` for the ledger's positions and cash (``account`` when it
    has several)."""

    ledger: bool = False
    weights: dict[Symbol, Weight] | None = Field(default=None, max_length=MAX_SYMBOLS)
    quantities: dict[Symbol, Finite] | None = Field(default=None, max_length=MAX_SYMBOLS)
    value: float | None = Field(default=None, gt=0, le=1e13)
    cash: float | None = Field(default=None, ge=-1e13, le=1e13)
    account: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_source(self) -> BookInput:
        given = [self.ledger, self.weights is not None, self.quantities is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of ledger: true, weights or quantities")
        if self.account is not None and not self.ledger:
            raise ValueError("account goes with ledger: true")
        return self


class PortfolioRiskInput(_Input):
    book: BookInput
    confidences: list[Confidence] = Field(default=[0.95, 0.99], min_length=1, max_length=5)
    horizon: Horizon = 1
    method: VarMethod = VarMethod.ALL
    lookback: Lookback | None = None
    start: date | None = None
    end: date | None = None


class StressWindowInput(_Input):
    start: date
    end: date
    name: str | None = Field(default=None, max_length=80)


class StressInput(_Input):
    book: BookInput
    windows: list[StressWindowInput] | None = Field(
        default=None, max_length=10, description="historical windows; default: three known"
    )
    shock: Move | None = Field(default=None, description="move every symbol")
    sector_shocks: dict[Annotated[str, StringConstraints(max_length=60)], Move] | None = Field(
        default=None, max_length=20
    )
    symbol_shocks: dict[Symbol, Move] | None = Field(default=None, max_length=MAX_SYMBOLS)
    end: date | None = None


class RebalanceInput(_Input):
    """From ``book`` (quantities and cash, or the ledger's; no weights) to ``targets``, or to
    the weights ``method`` gives ``symbols`` (default: the held symbols). Nothing is sent."""

    book: BookInput
    targets: dict[Symbol, Share] | None = Field(default=None, max_length=MAX_SYMBOLS)
    method: AllocationMethod = AllocationMethod.EQUAL_WEIGHT
    symbols: list[Symbol] | None = Field(default=None, min_length=1, max_length=MAX_SYMBOLS)
    lookback: Lookback | None = 252
    max_weight: Share = 1.0
    min_weight: Share = 0.0
    max_sector_weight: Share | None = None
    drift_band: Share = 0.0
    min_trade: float = Field(default=0.0, ge=0, le=1e12)
    cash_buffer: Share = 0.0
    fractional: bool = False
    cost_bps: float = Field(default=0.0, ge=0, le=1000)

    @model_validator(mode="after")
    def _no_weights(self) -> RebalanceInput:
        if self.book.weights is not None:
            raise ValueError("a rebalance starts from quantities or the ledger, not weights")
        return self


class _Report(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)


class IndicatorCatalogPublic(_Public):
    total: int = Field(description="indicators in the catalog (of the group); page on")
    offset: int
    limit: int
    indicators: list[dict[str, Any]] = Field(
        description="name, display_name, group, inputs, parameters with ranges, outputs"
    )


class IndicatorValuesPublic(_Report):
    indicator: str
    params: dict[str, Any]
    timeframe: str
    symbols: list[str]
    outputs: list[str]
    rows: list[dict[str, Any]] = Field(description="symbol, timestamp, one column per output")


class PerformancePublic(_Report):
    basis: Literal["buy_and_hold", "run"]
    benchmark: str | None
    risk_free_rate: float
    results: list[dict[str, Any]] = Field(description="subject, summary, drawdowns")


class SymbolVarPublic(_Report):
    symbol: str
    value: float | None
    horizon: int
    start: str
    end: str
    observations: int
    var: list[dict[str, Any]] = Field(description="one row per method and confidence")


class PortfolioRiskPublic(_Report):
    book: dict[str, Any] = Field(description="source, as_of, cash, quantities")


class StressPublic(_Report):
    book: dict[str, Any]
    equity: float
    scenarios: list[dict[str, Any]]


class AllocationPublic(_Report):
    method: str
    start: str
    end: str
    observations: int
    weights: list[dict[str, Any]] = Field(description="symbol, sector, weight, risk_share")


class FrontierPublic(_Public):
    symbols: list[str]
    points: list[dict[str, float]] = Field(
        description="volatility and return (annualised) of each portfolio, lowest risk first"
    )
    weights: list[dict[str, float]] = Field(description="each portfolio's weight by symbol")


class RebalancePublic(_Report):
    submitted: Literal[False] = Field(description="a plan: nothing is sent")
    book: dict[str, Any]
    targets: dict[str, float]
    prices: dict[str, float]
    allocation: dict[str, Any] | None
