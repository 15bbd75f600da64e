"""Stress tests of today's positions: historical windows replayed from a price history, and
shocks a user defines (every symbol, a sector, single names).

A historical window's move for a symbol runs from its last close *before* the window's first
day to its last close on or before the window's last day. A symbol without both closes is
listed in ``missing`` and left out of the total, never guessed; a window the history does not
cover is reported as unavailable rather than raising, so one report can list every scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from workbench.analysis._checks import as_float, book_equity, book_values, json_safe
from workbench.analysis.conventions import session_dates
from workbench.analysis.risk.exposure import sector_of
from workbench.core.errors import DataError, ValidationError

__all__ = [
    "DEFAULT_SCENARIOS",
    "HistoricalScenario",
    "Shock",
    "StressResult",
    "historical_stress",
    "shock_stress",
    "stress_table",
]


@dataclass(frozen=True, slots=True)
class HistoricalScenario:
    name: str
    start: date
    end: date
    description: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(f"scenario {self.name!r} ends before it starts")


DEFAULT_SCENARIOS: tuple[HistoricalScenario, ...] = (
    HistoricalScenario(
        "August 2015 flash crash",
        date(2015, 8, 24),
        date(2015, 8, 24),
        "China devaluation sell-off; the Dow opened 1,000 points down",
    ),
    HistoricalScenario(
        "Brexit vote", date(2016, 6, 24), date(2016, 6, 24), "the day after the UK's EU referendum"
    ),
    HistoricalScenario(
        "February 2018 volatility shock",
        date(2018, 2, 2),
        date(2018, 2, 5),
        "rates scare into the VIX spike that closed the inverse-volatility notes",
    ),
)


@dataclass(frozen=True, slots=True)
class Shock:
    """A user-defined scenario for ``shock_stress``: e.g. ``Shock("all -10%", everything=-0.1)``
    or ``Shock("energy -20%", sectors={"Energy": -0.2})``."""

    name: str
    everything: float | None = None
    sectors: Mapping[str, float] | None = None
    symbols: Mapping[str, float] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class StressResult:
    """``pnl`` in money and ``pnl_fraction`` of equity; ``moves`` the return applied to each
    symbol and ``by_symbol`` its P&L."""

    scenario: str
    kind: Literal["historical", "shock"]
    available: bool
    pnl: float
    pnl_fraction: float
    moves: pd.Series[float]
    by_symbol: pd.Series[float]
    missing: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def historical_stress(
    market_values: pd.Series[float],
    prices: pd.DataFrame,
    *,
    scenarios: Sequence[HistoricalScenario] = DEFAULT_SCENARIOS,
    equity: float | None = None,
) -> list[StressResult]:
    """Each scenario's moves, from ``prices`` (wide closes by date), applied to today's book."""
    values = book_values(market_values)
    base = book_equity(values, equity)
    if not isinstance(prices.index, pd.DatetimeIndex) or prices.empty:
        raise DataError("prices must be a non-empty frame indexed by date (columns = symbols)")
    closes = prices.reindex(columns=values.index).astype("float64")
    return [_replay(values, closes, scenario, base) for scenario in scenarios]


def shock_stress(
    market_values: pd.Series[float],
    *,
    everything: float | None = None,
    sectors: Mapping[str, float] | None = None,
    symbols: Mapping[str, float] | None = None,
    symbol_table: pd.DataFrame | None = None,
    equity: float | None = None,
    name: str = "custom shock",
) -> StressResult:
    """Apply returns to the book: ``everything`` to every symbol, then ``sectors`` (needs
    ``symbol_table``) and ``symbols`` override it, the most specific winning. E.g.
    ``shock_stress(values, everything=-0.10)`` or ``sectors={"Energy": -0.20}``."""
    values = book_values(market_values)
    base = book_equity(values, equity)
    moves = pd.Series(0.0, index=values.index, name="move")
    if everything is not None:
        moves[:] = _shock("everything", everything)
    if sectors:
        if symbol_table is None:
            raise ValidationError("sector shocks need the symbol table (symbol, name, sector)")
        sector = sector_of(values.index, symbol_table)
        known = set(sector)
        unknown = sorted(set(sectors) - known)
        if unknown:
            raise ValidationError(
                f"no position is in sector(s) {unknown}; the book's sectors are {sorted(known)}"
            )
        for label, shock in sectors.items():
            moves[sector.to_numpy() == label] = _shock(f"sector {label}", shock)
    for symbol, shock in (symbols or {}).items():
        if symbol not in moves.index:
            raise ValidationError(f"{symbol} is not in the book; shocks apply to held symbols")
        moves[symbol] = _shock(symbol, shock)
    pnl = (values * moves).rename("pnl")
    return StressResult(
        scenario=name,
        kind="shock",
        available=True,
        pnl=float(pnl.sum()),
        pnl_fraction=float(pnl.sum()) / base,
        moves=moves,
        by_symbol=pnl,
    )


def stress_table(results: Sequence[StressResult]) -> pd.DataFrame:
    """One row per scenario: kind, window, P&L, fraction of equity, missing symbols, note."""
    rows = [
        {
            "scenario": result.scenario,
            "kind": result.kind,
            "start": result.start,
            "end": result.end,
            "available": result.available,
            "pnl": result.pnl,
            "pnl_fraction": result.pnl_fraction,
            "missing": ",".join(result.missing),
            "note": result.note,
        }
        for result in results
    ]
    return pd.DataFrame(rows).set_index("scenario")


def _replay(
    values: pd.Series[float], closes: pd.DataFrame, scenario: HistoricalScenario, equity: float
) -> StressResult:
    dates = session_dates(closes.index)
    start, end = pd.Timestamp(scenario.start), pd.Timestamp(scenario.end)
    before = closes.loc[dates < start]
    inside = closes.loc[(dates >= start) & (dates <= end)]
    if before.empty or inside.empty:
        covered = f"{dates[0].date()} .. {dates[-1].date()}"
        return StressResult(
            scenario=scenario.name,
            kind="historical",
            available=False,
            pnl=float("nan"),
            pnl_fraction=float("nan"),
            moves=pd.Series(dtype="float64", name="move"),
            by_symbol=pd.Series(dtype="float64", name="pnl"),
            start=scenario.start,
            end=scenario.end,
            note=f"the price history ({covered}) does not cover the window",
        )
    moves = (inside.ffill().iloc[-1] / before.ffill().iloc[-1] - 1.0).rename("move")
    missing = tuple(str(symbol) for symbol in moves.index[moves.isna()])
    pnl = (values * moves).rename("pnl")
    total = float(pnl.sum(skipna=True))
    return StressResult(
        scenario=scenario.name,
        kind="historical",
        available=True,
        pnl=total,
        pnl_fraction=total / equity,
        moves=moves,
        by_symbol=pnl,
        missing=missing,
        start=scenario.start,
        end=scenario.end,
        note=scenario.description,
    )


def _shock(label: str, value: float) -> float:
    shock = as_float(f"shock for {label}", value)
    if shock < -1.0:
        raise ValidationError(f"a shock below -100% is not a price move (shock for {label})")
    return shock
