"""Use cases of target weights: an allocation of symbols by a method under constraints, and the
plan that takes a book to target weights (shown, never submitted: execution submits orders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analysis import (
    AllocationResult,
    Frontier,
    RebalancePlan,
    WeightConstraints,
    efficient_frontier,
    plan_rebalance,
    price_returns,
    target_weights,
)
from workbench.analysis.allocation import ALLOCATION_METHODS, AllocationMethod
from workbench.analysis.risk import sector_of
from workbench.core.errors import DataError, ValidationError
from workbench.core.progress import Progress
from workbench.model import normalize_symbol
from workbench.ops.analysis import daily_prices, records, symbol_table
from workbench.ops.portfolio import Book, BookSpec, load_book

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "AllocationReport",
    "RebalanceReport",
    "WeightConstraints",
    "allocate",
    "allocation_method",
    "frontier",
    "rebalance",
]


def _silent(done: int, total: int, label: str) -> None:
    return None


# -- allocation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AllocationReport:
    result: AllocationResult
    sectors: pd.Series[str]
    start: date
    end: date

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "sector": self.sectors,
                "weight": self.result.weights,
                "risk_share": self.result.risk_share,
            }
        )
        frame.index.name = "symbol"
        return frame

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "method": result.method,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "observations": result.observations,
            "covariance": result.covariance,
            "capped": result.capped,
            "notes": list(result.notes),
            "constraints": result.to_dict()["constraints"],
            "weights": records(self.frame()),
        }


def allocation_method(method: str) -> AllocationMethod:
    for known in ALLOCATION_METHODS:
        if method == known:
            return known
    raise ValidationError(
        f"unknown allocation method {method!r}; valid: {', '.join(ALLOCATION_METHODS)}"
    )


def allocate(
    rt: Runtime,
    symbols: Sequence[str],
    method: str,
    *,
    lookback: int | None = 252,
    start: date | None = None,
    end: date | None = None,
    constraints: WeightConstraints | None = None,
    user_weights: Mapping[str, float] | None = None,
    risk_free_rate: float = 0.0,
    progress: Progress | None = None,
) -> AllocationReport:
    """Target weights of ``symbols`` by ``method`` from the last ``lookback`` daily returns on
    which every symbol traded (all of ``start..end`` with ``lookback=None``)."""
    step = progress or _silent
    chosen = allocation_method(method)
    if lookback is not None and lookback < 2:
        raise ValidationError(f"lookback must be at least 2 returns, got {lookback}")
    step(0, 2, "reading prices")
    returns = price_returns(daily_prices(rt, symbols, start, end)).dropna(how="any")
    if lookback is not None:
        returns = returns.tail(lookback)
    if len(returns) < 2:
        raise DataError(
            f"{', '.join(returns.columns)} have {len(returns)} daily return(s) in common in "
            "that range; allocation needs at least 2"
        )
    step(1, 2, f"allocating ({chosen})")
    table = symbol_table()
    result = target_weights(
        returns,
        chosen,
        constraints=constraints,
        symbol_table=table,
        user_weights=None if user_weights is None else _upper(user_weights),
        risk_free_rate=risk_free_rate,
    )
    step(2, 2, "weights ready")
    return AllocationReport(
        result=result,
        sectors=sector_of(list(returns.columns), table),
        start=pd.Timestamp(returns.index[0]).date(),
        end=pd.Timestamp(returns.index[-1]).date(),
    )


def frontier(
    rt: Runtime,
    symbols: Sequence[str],
    *,
    points: int = 20,
    lookback: int | None = 252,
    start: date | None = None,
    end: date | None = None,
    constraints: WeightConstraints | None = None,
) -> Frontier:
    """The long-only efficient frontier of ``symbols`` from the same returns ``allocate``
    reads (the last ``lookback`` on which every symbol traded); ``Frontier.place`` puts any
    allocation's weights on its axes."""
    if lookback is not None and lookback < 2:
        raise ValidationError(f"lookback must be at least 2 returns, got {lookback}")
    returns = price_returns(daily_prices(rt, symbols, start, end)).dropna(how="any")
    if lookback is not None:
        returns = returns.tail(lookback)
    return efficient_frontier(returns, points=points, constraints=constraints)


# -- rebalance -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RebalanceReport:
    """The plan from the book to ``targets`` at ``prices``; it is shown, not submitted."""

    book: Book
    targets: pd.Series[float]
    prices: pd.Series[float]
    plan: RebalancePlan
    allocation: AllocationReport | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "submitted": False,
            "book": self.book.to_dict(),
            "targets": {s: float(w) for s, w in self.targets.items()},
            "prices": {s: float(p) for s, p in self.prices.items()},
            "allocation": None if self.allocation is None else self.allocation.to_dict(),
            **self.plan.to_dict(),
        }


def rebalance(
    rt: Runtime,
    spec: BookSpec,
    *,
    targets: Mapping[str, float] | None = None,
    method: str = "equal_weight",
    symbols: Sequence[str] | None = None,
    lookback: int | None = 252,
    constraints: WeightConstraints | None = None,
    drift_band: float = 0.0,
    min_trade_value: float = 0.0,
    cash_buffer: float = 0.0,
    fractional: bool = False,
    cost_bps: float = 0.0,
    progress: Progress | None = None,
) -> RebalanceReport:
    """The orders that take the book to ``targets`` (symbol -> weight), or to the weights
    ``method`` gives ``symbols`` (default: the held symbols)."""
    book = load_book(rt, spec, cash_only=True)
    allocation = None
    if targets is not None:
        weights = pd.Series(_upper(targets), dtype="float64")
    else:
        universe = list(symbols) if symbols else list(book.held)
        if not universe:
            raise ValidationError("a book of cash only needs targets, or symbols to allocate")
        allocation = allocate(
            rt, universe, method, lookback=lookback, constraints=constraints, progress=progress
        )
        weights = allocation.result.weights
    wanted = list(dict.fromkeys([*book.held, *(str(s) for s in weights.index)]))
    latest = daily_prices(rt, wanted).ffill().iloc[-1].rename("price")
    plan = plan_rebalance(
        positions=book.held,
        cash=book.cash,
        prices=latest,
        targets=weights,
        drift_band=drift_band,
        min_trade_value=min_trade_value,
        cash_buffer=cash_buffer,
        fractional=fractional,
        cost_bps=cost_bps,
    )
    return RebalanceReport(book, weights.rename("target"), latest, plan, allocation)


def _upper(mapping: Mapping[str, float]) -> dict[str, float]:
    return {normalize_symbol(str(key)): float(value) for key, value in mapping.items()}
