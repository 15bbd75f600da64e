"""Market data from the lake: coverage, a page of bars, the latest bar, quality."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas import (
    BarPublic,
    BarsPagePublic,
    CoveragePublic,
    QualityPublic,
)
from workbench.model import Permission, to_plain
from workbench.ops import data
from workbench.ops.kept_reads import KEPT, kept

__all__ = ["MAX_BARS", "router"]

#: the most bars one page holds
MAX_BARS = 5000
router = APIRouter(
    prefix=f"{API_PREFIX}/market",
    tags=["market data"],
    responses=problem_responses(401, 403, 404, 422),
    dependencies=[Depends(require(Permission.READ_MARKET_DATA))],
)
Timeframe = Annotated[str, Query(pattern=r"^[0-9]{1,3}(m|h|d)$", description="1d, 1m...")]


@router.get("/coverage", response_model=list[CoveragePublic], summary="What the lake holds")
def coverage(
    rt: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_BARS, description=f"at most {MAX_BARS}")] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[CoveragePublic]:
    rows = to_plain(data.coverage(rt))[offset : offset + limit]
    return [CoveragePublic.model_validate(row) for row in rows]


@router.get("/bars/{symbol}", response_model=BarsPagePublic, summary="A page of bars")
def bars(
    rt: RuntimeDep,
    symbol: str,
    start: date | None = None,
    end: date | None = None,
    timeframe: Timeframe = "1d",
    limit: Annotated[int, Query(ge=1, le=MAX_BARS)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> BarsPagePublic:
    page = data.bars_page(
        rt, symbol, start=start, end=end, timeframe=timeframe, limit=limit, offset=offset
    )
    return BarsPagePublic.model_validate(to_plain(page))


@router.get("/latest", response_model=list[BarPublic], summary=f"Each symbol's newest bar{KEPT}")
async def latest(
    rt: RuntimeDep,
    symbols: Annotated[str | None, Query(max_length=4000, description="AAPL,MSFT")] = None,
    timeframe: Timeframe = "1d",
) -> list[BarPublic]:
    wanted = [s for s in symbols.split(",") if s.strip()] if symbols else None

    def read() -> list[BarPublic]:
        rows = data.latest_rows(rt, wanted, timeframe=timeframe)
        return [BarPublic.model_validate(row) for row in to_plain(rows)]

    return await kept(rt, "market", ("latest", symbols, timeframe), read)


@router.get("/quality", response_model=QualityPublic, summary="The lake's validation rules")
def quality(
    rt: RuntimeDep, dataset: Annotated[str, Query(min_length=1, max_length=40)] = "bars_1d"
) -> QualityPublic:
    report = data.quality(rt, dataset)
    issues = [to_plain(issue.to_dict()) for issue in report.issues]
    return QualityPublic(dataset=report.dataset, rows=report.rows_in, ok=report.ok, issues=issues)
