"""Answers of the run and report routes: stored strategy results, trading runs and their
parity, recorded reports."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from workbench.interfaces.api.schemas import _Public

__all__ = [
    "ParityPublic",
    "ReportPublic",
    "RunPublic",
    "RunRecordsPublic",
    "RunSummaryPublic",
    "StrategyResultPublic",
]


class _Open(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)


class RunPublic(_Public):
    run_id: int
    kind: str = Field(description="backtest, optimize, walk_forward, paper or live")
    strategy: str
    status: str = Field(description="running, succeeded, failed or canceled")
    started_at: str
    symbols: list[str]
    params: dict[str, Any]


class StrategyResultPublic(_Open):
    """A stored backtest, grid or walk-forward result, as ``workbench strategy results ID
    --json`` prints it."""

    kind: str
    run_id: int | None
    strategy: str
    symbols: list[str]


class RunRecordsPublic(_Public):
    run_id: int
    table: str = Field(description="trades or orders")
    total: int = Field(description="rows in all; page on with offset")
    offset: int
    shown: int
    more: int = Field(description="rows after this page")
    columns: list[str]
    rows: list[dict[str, Any]]


class RunSummaryPublic(_Open):
    """A paper or live run as it stands (``workbench trade run --json``)."""

    run_id: int
    kind: str
    strategy: str
    status: str
    sessions: int
    initial_equity: str = Field(description="a decimal number as an exact string")
    final_equity: str
    total_return: float
    orders: int
    fills: int
    rejected: int
    audit: dict[str, Any]


class ParityPublic(_Open):
    """A trading run against the backtest of the same strategy over the same bars."""

    run_id: int
    strategy: str
    explanations: list[str]


class ReportPublic(_Public):
    id: int
    kind: str
    format: str
    file_name: str = Field(description="the report's file (or folder) name")
    run_id: int | None
    params: dict[str, Any]
    created_at: str
