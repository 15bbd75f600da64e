"""Analysis over the lake: indicators, performance, VaR, a book's risk and stress, target
weights and a rebalance plan (``workbench analyze ...``). Reads of a symbol's series are GET
with query parameters; what takes a book is POST with a body (it computes, it changes
nothing)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.params import (
    ListLimit,
    Offset,
    PairsText,
    SymbolsText,
    number_pairs,
    symbol_list,
    text_pairs,
)
from workbench.interfaces.api.schemas_analysis import (
    AllocationMethod,
    AllocationPublic,
    BookInput,
    Confidence,
    FrontierPublic,
    IndicatorCatalogPublic,
    IndicatorValuesPublic,
    PerformancePublic,
    PortfolioRiskInput,
    PortfolioRiskPublic,
    RebalanceInput,
    RebalancePublic,
    StressInput,
    StressPublic,
    SymbolVarPublic,
    VarMethod,
)
from workbench.model import Permission, to_plain
from workbench.ops import allocation, analysis, portfolio

__all__ = ["MAX_INDICATOR_ROWS", "router"]

#: the most bars of each symbol an indicator answer holds
MAX_INDICATOR_ROWS = 5000
router = APIRouter(
    prefix=f"{API_PREFIX}/analysis",
    tags=["analysis"],
    responses=problem_responses(400, 401, 403, 404, 422),
    dependencies=[Depends(require(Permission.RUN_ANALYSIS))],
)
Timeframe = Annotated[str, Query(pattern=r"^[0-9]{1,3}(m|h|d)$", description="1d, 1m...")]
Lookback = Annotated[int | None, Query(ge=2, le=10_000, description="the last N returns")]
RiskFree = Annotated[float, Query(ge=-1, le=1, description="annual, 0.02 = 2%")]
Weight = Annotated[float, Query(ge=0, le=1)]


@router.get("/indicators", response_model=IndicatorCatalogPublic, summary="The indicators")
def indicator_catalog(
    group: Annotated[str | None, Query(max_length=60, description="only this group")] = None,
    limit: ListLimit = 50,
    offset: Offset = 0,
) -> IndicatorCatalogPublic:
    specs = analysis.indicator_list(group)
    page = [spec.to_dict() for spec in specs[offset : offset + limit]]
    return IndicatorCatalogPublic(total=len(specs), offset=offset, limit=limit, indicators=page)


@router.get(
    "/indicators/{name}", response_model=IndicatorValuesPublic, summary="An indicator's values"
)
def indicator_values(
    rt: RuntimeDep,
    name: Annotated[str, Path(min_length=1, max_length=40, description="RSI, SMA...")],
    symbols: SymbolsText,
    params: PairsText = None,
    start: date | None = None,
    end: date | None = None,
    timeframe: Timeframe = "1d",
    tail: Annotated[int, Query(ge=1, le=MAX_INDICATOR_ROWS, description="last N bars")] = 20,
) -> IndicatorValuesPublic:
    result = analysis.indicators(
        rt,
        symbol_list(symbols),
        name,
        text_pairs(params, "params"),
        start=start,
        end=end,
        timeframe=timeframe,
        tail=tail,
    )
    return IndicatorValuesPublic.model_validate(to_plain(result.to_dict()))


@router.get("/performance", response_model=PerformancePublic, summary="Performance")
def performance(
    rt: RuntimeDep,
    symbols: Annotated[str | None, Query(max_length=1000, description="AAPL,MSFT")] = None,
    run: Annotated[int | None, Query(ge=1, le=2**31, description="a strategy run id")] = None,
    benchmark: Annotated[
        str, Query(min_length=1, max_length=16, description="a symbol, auto or none")
    ] = "auto",
    start: date | None = None,
    end: date | None = None,
    risk_free: RiskFree = 0.0,
) -> PerformancePublic:
    report = analysis.performance(
        rt,
        symbol_list(symbols) if symbols is not None else (),
        run_id=None if run is None else str(run),
        benchmark=None if benchmark.lower() == "none" else benchmark,
        start=start,
        end=end,
        risk_free_rate=risk_free,
    )
    return PerformancePublic.model_validate(to_plain(report.to_dict()))


@router.get("/risk/{symbol}", response_model=SymbolVarPublic, summary="A symbol's VaR and ES")
def symbol_risk(
    rt: RuntimeDep,
    symbol: Annotated[str, Path(min_length=1, max_length=16)],
    confidence: Annotated[list[Confidence], Query(min_length=1, max_length=5)] = [0.95, 0.99],  # noqa: B006 - FastAPI copies it
    horizon: Annotated[int, Query(ge=1, le=252)] = 1,
    method: VarMethod = VarMethod.ALL,
    value: Annotated[float | None, Query(gt=0, le=1e13)] = None,
    lookback: Lookback = None,
    start: date | None = None,
    end: date | None = None,
) -> SymbolVarPublic:
    report = analysis.symbol_var(
        rt,
        symbol,
        confidences=confidence,
        horizon=horizon,
        method=method.value,
        value=value,
        lookback=lookback,
        start=start,
        end=end,
    )
    return SymbolVarPublic.model_validate(to_plain(report.to_dict()))


@router.post("/risk", response_model=PortfolioRiskPublic, summary="A book's full risk report")
def book_risk(rt: RuntimeDep, body: PortfolioRiskInput) -> PortfolioRiskPublic:
    report = portfolio.portfolio_risk(
        rt,
        _book(body.book),
        confidences=body.confidences,
        horizon=body.horizon,
        method=body.method.value,
        lookback=body.lookback,
        start=body.start,
        end=body.end,
    )
    return PortfolioRiskPublic.model_validate(to_plain(report.to_dict()))


@router.post("/stress", response_model=StressPublic, summary="Stress tests of a book")
def stress(rt: RuntimeDep, body: StressInput) -> StressPublic:
    windows = None
    if body.windows is not None:
        windows = [
            portfolio.HistoricalScenario(w.name or f"{w.start}..{w.end}", w.start, w.end)
            for w in body.windows
        ]
    shocks = None
    if body.shock is not None or body.sector_shocks or body.symbol_shocks:
        shock = portfolio.Shock(
            "your shock",
            everything=body.shock,
            sectors=body.sector_shocks,
            symbols=body.symbol_shocks,
        )
        shocks = [shock]
    report = portfolio.stress(rt, _book(body.book), windows=windows, shocks=shocks, end=body.end)
    return StressPublic.model_validate(to_plain(report.to_dict()))


@router.get("/allocation", response_model=AllocationPublic, summary="Target weights")
def allocate(
    rt: RuntimeDep,
    symbols: SymbolsText,
    method: AllocationMethod = AllocationMethod.EQUAL_WEIGHT,
    lookback: Annotated[int, Query(ge=0, le=10_000, description="0: every return")] = 252,
    start: date | None = None,
    end: date | None = None,
    max_weight: Weight = 1.0,
    min_weight: Weight = 0.0,
    max_sector_weight: Annotated[float | None, Query(gt=0, le=1)] = None,
    weights: Annotated[str | None, Query(max_length=2000, description="user: AAPL=0.6")] = None,
    risk_free: RiskFree = 0.0,
) -> AllocationPublic:
    report = allocation.allocate(
        rt,
        symbol_list(symbols),
        method.value,
        lookback=lookback or None,
        start=start,
        end=end,
        constraints=allocation.WeightConstraints(
            min_weight=min_weight, max_weight=max_weight, max_sector_weight=max_sector_weight
        ),
        user_weights=number_pairs(weights, "weights"),
        risk_free_rate=risk_free,
    )
    return AllocationPublic.model_validate(to_plain(report.to_dict()))


@router.get("/frontier", response_model=FrontierPublic, summary="The efficient frontier")
def frontier(
    rt: RuntimeDep,
    symbols: SymbolsText,
    points: Annotated[int, Query(ge=2, le=100, description="portfolios on the frontier")] = 20,
    lookback: Annotated[int, Query(ge=0, le=10_000, description="0: every return")] = 252,
    start: date | None = None,
    end: date | None = None,
    max_weight: Weight = 1.0,
    min_weight: Weight = 0.0,
) -> FrontierPublic:
    found = allocation.frontier(
        rt,
        symbol_list(symbols),
        points=points,
        lookback=lookback or None,
        start=start,
        end=end,
        constraints=allocation.WeightConstraints(min_weight=min_weight, max_weight=max_weight),
    )
    return FrontierPublic(
        symbols=[str(s) for s in found.weights.columns],
        points=to_plain(found.points),
        weights=to_plain(found.weights),
    )


@router.post("/rebalance", response_model=RebalancePublic, summary="A rebalance plan (not sent)")
def rebalance(rt: RuntimeDep, body: RebalanceInput) -> RebalancePublic:
    report = allocation.rebalance(
        rt,
        _book(body.book),
        targets=body.targets,
        method=body.method.value,
        symbols=body.symbols,
        lookback=body.lookback,
        constraints=allocation.WeightConstraints(
            min_weight=body.min_weight,
            max_weight=body.max_weight,
            max_sector_weight=body.max_sector_weight,
        ),
        drift_band=body.drift_band,
        min_trade_value=body.min_trade,
        cash_buffer=body.cash_buffer,
        fractional=body.fractional,
        cost_bps=body.cost_bps,
    )
    return RebalancePublic.model_validate(to_plain(report.to_dict()))


def _book(book: BookInput) -> portfolio.BookSpec:
    if book.ledger:
        return portfolio.BookSpec(value=book.value, cash=book.cash, account=book.account)
    return portfolio.BookSpec(
        weights=book.weights, quantities=book.quantities, value=book.value, cash=book.cash
    )
