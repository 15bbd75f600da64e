"""Exposure of a book of positions: long, short, gross and net, by sector, concentration and
liquidity.

Positions come as market values in money, signed (negative = short), indexed by symbol.
Fractions are of ``equity`` (default: the net market value). Sectors come from a symbol table
with columns ``symbol, name, sector``; a symbol missing from it is in sector ``"Unknown"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._checks import (
    book_equity,
    book_values,
    json_safe,
    positive_int,
    probability,
)
from workbench.core.errors import DataError, NotFound

__all__ = [
    "UNKNOWN_SECTOR",
    "Concentration",
    "ExposureReport",
    "concentration",
    "exposure_report",
    "liquidity_report",
    "sector_exposure",
    "sector_of",
]

UNKNOWN_SECTOR = "Unknown"


@dataclass(frozen=True, slots=True, eq=False)
class Concentration:
    """``hhi`` is the Herfindahl index of gross weights (1/n for n equal positions, 1 for one);
    ``effective_positions`` = 1 / hhi; ``top_weight`` is the gross share of the largest
    ``top_n``."""

    hhi: float
    effective_positions: float
    top_n: int
    top_weight: float
    largest: pd.Series[float]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


@dataclass(frozen=True, slots=True, eq=False)
class ExposureReport:
    """Money figures and their fractions of ``equity``; ``short`` is negative."""

    equity: float
    long: float
    short: float
    gross: float
    net: float
    long_fraction: float
    short_fraction: float
    gross_leverage: float
    net_leverage: float
    positions: int
    by_sector: pd.DataFrame | None
    concentration: Concentration

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def exposure_report(
    market_values: pd.Series[float],
    *,
    equity: float | None = None,
    symbol_table: pd.DataFrame | None = None,
    top_n: int = 5,
) -> ExposureReport:
    values = book_values(market_values)
    base = book_equity(values, equity)
    long, short = float(values.clip(lower=0).sum()), float(values.clip(upper=0).sum())
    return ExposureReport(
        equity=base,
        long=long,
        short=short,
        gross=long - short,
        net=long + short,
        long_fraction=long / base,
        short_fraction=short / base,
        gross_leverage=(long - short) / base,
        net_leverage=(long + short) / base,
        positions=int((values != 0).sum()),
        by_sector=None
        if symbol_table is None
        else sector_exposure(values, symbol_table, equity=base),
        concentration=concentration(values, top_n=top_n),
    )


def sector_exposure(
    market_values: pd.Series[float], symbol_table: pd.DataFrame, *, equity: float | None = None
) -> pd.DataFrame:
    """One row per sector: long, short, net, gross (money), net and gross fractions, count."""
    values = book_values(market_values)
    base = book_equity(values, equity)
    sectors = sector_of(values.index, symbol_table)
    frame = pd.DataFrame({"value": values.to_numpy(), "sector": sectors.to_numpy()})
    grouped = frame.groupby("sector")["value"]
    table = pd.DataFrame(
        {
            "long": grouped.apply(lambda v: v.clip(lower=0).sum()),
            "short": grouped.apply(lambda v: v.clip(upper=0).sum()),
            "count": grouped.count(),
        }
    )
    table["net"] = table["long"] + table["short"]
    table["gross"] = table["long"] - table["short"]
    table["net_fraction"] = table["net"] / base
    table["gross_fraction"] = table["gross"] / base
    columns = ["long", "short", "net", "gross", "net_fraction", "gross_fraction", "count"]
    return table.loc[:, columns].sort_values("gross", ascending=False)


def sector_of(symbols: pd.Index | list[str], symbol_table: pd.DataFrame) -> pd.Series[str]:
    """The sector of each symbol (``"Unknown"`` where the table has none)."""
    missing = {"symbol", "sector"} - set(symbol_table.columns)
    if missing:
        raise DataError(
            f"the symbol table lacks column(s) {sorted(missing)}; it needs symbol, name, sector"
        )
    lookup = symbol_table.drop_duplicates("symbol").set_index("symbol")["sector"]
    sectors = lookup.reindex(pd.Index(symbols)).fillna(UNKNOWN_SECTOR).astype(str)
    sectors.index.name = "symbol"
    return sectors.rename("sector")


def concentration(market_values: pd.Series[float], *, top_n: int = 5) -> Concentration:
    values = book_values(market_values).abs()
    top_n = positive_int("top_n", top_n)
    gross = float(values.sum())
    if not gross > 0:
        raise DataError("concentration needs at least one non-zero position")
    weights = (values / gross).sort_values(ascending=False)
    hhi = float((weights**2).sum())
    largest = weights.iloc[:top_n].rename("gross_weight")
    return Concentration(
        hhi=hhi,
        effective_positions=1.0 / hhi,
        top_n=top_n,
        top_weight=float(largest.sum()),
        largest=largest,
    )


def liquidity_report(
    quantities: pd.Series[float],
    volumes: pd.DataFrame,
    *,
    window: int = 20,
    participation: float = 0.10,
) -> pd.DataFrame:
    """Per position: shares held, average daily volume over the last ``window`` bars, the
    position as a fraction of it, and days to liquidate trading ``participation`` of the
    volume a day. No volume at all gives infinite days (and a NaN fraction)."""
    window = positive_int("window", window)
    participation = probability("participation", participation)
    missing = sorted(set(quantities.index) - set(volumes.columns))
    if missing:
        raise NotFound(f"no volume history for held symbol(s) {missing}", symbols=missing)
    recent = volumes.loc[:, list(quantities.index)].astype("float64").tail(window)
    adv = recent.mean(skipna=True)
    held = quantities.astype("float64").abs()
    tradable = adv.where(adv > 0)
    report = pd.DataFrame(
        {
            "quantity": quantities.astype("float64"),
            "average_daily_volume": adv,
            "fraction_of_adv": held / tradable,
            "days_to_liquidate": np.where(
                held == 0, 0.0, (held / (participation * tradable)).fillna(np.inf)
            ),
        }
    )
    report.index.name = "symbol"
    return report.sort_values("days_to_liquidate", ascending=False)
