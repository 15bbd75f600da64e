"""Use cases over a book of positions: the full risk report and stress tests (target weights
and rebalance plans are in ``ops.allocation``).

A book comes from the caller (weights of a value, or quantities and cash: ``BookSpec``) or from
the ledger's positions and cash movements. It is valued at each symbol's last daily close in
the lake, up to ``end`` when one is given: with the embedded default, "now" is the last session
in the lake.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from workbench.analysis import (
    DEFAULT_SCENARIOS,
    HistoricalScenario,
    RiskReport,
    Shock,
    StressResult,
    historical_stress,
    risk_report,
    shock_stress,
)
from workbench.analysis.risk import stress_table
from workbench.analysis.risk.report import DEFAULT_SHOCKS
from workbench.core.errors import NotFound, ValidationError
from workbench.core.progress import Progress
from workbench.model import normalize_symbol
from workbench.ops.analysis import daily_prices, symbol_table, var_methods

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "DEFAULT_VALUE",
    "Book",
    "BookSpec",
    "HistoricalScenario",
    "PortfolioRisk",
    "Shock",
    "StressReport",
    "load_book",
    "portfolio_risk",
    "stress",
    "stress_table",
]

#: the value a book given as weights is worth when the caller names none
DEFAULT_VALUE = 1_000_000.0


def _silent(done: int, total: int, label: str) -> None:
    return None


# -- the book --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookSpec:
    """Where a book comes from: ``weights`` of ``value`` (the rest in cash), ``quantities``
    (shares, signed) and ``cash``, or, with neither, the ledger (``account`` when it has
    several)."""

    weights: Mapping[str, float] | None = None
    quantities: Mapping[str, float | Decimal] | None = None
    value: float | None = None
    cash: float | Decimal | None = None
    account: str | None = None


@dataclass(frozen=True)
class Book:
    source: Literal["weights", "quantities", "ledger"]
    #: shares by symbol, exact (a full exit sells exactly these); empty for a cash-only book
    held: dict[str, Decimal]
    cash: Decimal
    #: daily closes of the held symbols by session date (no columns for a cash-only book)
    prices: pd.DataFrame

    @property
    def quantities(self) -> pd.Series[float]:
        return pd.Series({s: float(q) for s, q in self.held.items()}, dtype="float64")

    @property
    def market_values(self) -> pd.Series[float]:
        return (self.quantities * self.prices.ffill().iloc[-1]).rename("market_value")

    @property
    def as_of(self) -> date | None:
        return None if self.prices.empty else pd.Timestamp(self.prices.index[-1]).date()

    def to_dict(self) -> dict[str, Any]:
        as_of = self.as_of
        return {
            "source": self.source,
            "as_of": None if as_of is None else as_of.isoformat(),
            "cash": str(self.cash),
            "quantities": {symbol: str(qty) for symbol, qty in self.held.items()},
        }


def load_book(
    rt: Runtime,
    spec: BookSpec,
    *,
    start: date | None = None,
    end: date | None = None,
    cash_only: bool = False,
) -> Book:
    """The book ``spec`` describes, with the daily closes of its symbols in ``start..end``.
    A book without positions is an error unless ``cash_only`` allows it (a rebalance can
    start from cash)."""
    if spec.weights is not None and spec.quantities is not None:
        raise ValidationError("give the book as weights or as quantities, not both")
    if spec.weights is not None:
        if spec.cash is not None:
            raise ValidationError(
                "cash goes with quantities; with weights the rest of value is cash"
            )
        value = DEFAULT_VALUE if spec.value is None else spec.value
        return _weights_book(rt, spec.weights, value, start, end)
    if spec.value is not None:
        raise ValidationError("value goes with weights: it is what the weights are of")
    source: Literal["quantities", "ledger"] = "quantities"
    where = "the book"
    if spec.quantities is not None:
        held = {
            normalize_symbol(s): _decimal(f"quantity of {s}", q) for s, q in spec.quantities.items()
        }
        cash = _decimal("cash", spec.cash or 0)
    else:
        if spec.cash is not None:
            raise ValidationError("the ledger's cash is used; cash goes with quantities")
        held, cash, account = _ledger_holdings(rt, spec.account)
        source, where = "ledger", f"ledger account {account!r}"
    held = {s: q for s, q in held.items() if q != 0}
    if held:
        return Book(source, held, cash, daily_prices(rt, list(held), start, end))
    if not cash_only:
        raise ValidationError(f"{where} holds no positions (every quantity is zero or none given)")
    return Book(source, held, cash, pd.DataFrame())


def _weights_book(
    rt: Runtime, weights: Mapping[str, float], value: float, start: date | None, end: date | None
) -> Book:
    if not 0 < value < math.inf:
        raise ValidationError(f"value must be positive and finite, got {value:g}")
    given = {normalize_symbol(s): float(w) for s, w in weights.items()}
    if not given:
        raise ValidationError("give at least one weight, e.g. AAPL=0.5,MSFT=0.5")
    for held_symbol, weight in given.items():
        if not math.isfinite(weight):
            raise ValidationError(f"the weight of {held_symbol} must be finite, got {weight}")
    prices = daily_prices(rt, list(given), start, end)
    latest = prices.ffill().iloc[-1]
    held = {s: Decimal(repr(w * value / float(latest[s]))) for s, w in given.items() if w != 0}
    cash = Decimal(repr(value * (1.0 - sum(given.values()))))
    return Book("weights", held, cash, prices)


def _ledger_holdings(rt: Runtime, account: str | None) -> tuple[dict[str, Decimal], Decimal, str]:
    """Positions, cash (the sum of its cash movements) and the name of one ledger account."""
    import sqlalchemy as sa

    from workbench.ledger import AccountRow, CashMovementRow, PositionRow

    with rt.ledger.session(read_only=True) as session:
        accounts = {row.name: row.id for row in session.scalars(sa.select(AccountRow))}
        if not accounts:
            raise NotFound(
                "the ledger has no accounts, so no positions: give the book with --weights "
                "or --quantities"
            )
        if account is None and len(accounts) > 1:
            raise ValidationError(
                f"the ledger has accounts {', '.join(sorted(accounts))}: pick one with --account"
            )
        name = account if account is not None else next(iter(accounts))
        if name not in accounts:
            raise NotFound(f"no ledger account {name!r}; accounts: {', '.join(sorted(accounts))}")
        positions = session.execute(
            sa.select(PositionRow.symbol, PositionRow.qty).where(
                PositionRow.account_id == accounts[name]
            )
        ).all()
        amounts = session.scalars(
            sa.select(CashMovementRow.amount).where(CashMovementRow.account_id == accounts[name])
        ).all()
    return {str(row.symbol): row.qty for row in positions}, sum(amounts, Decimal(0)), name


# -- risk ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PortfolioRisk:
    book: Book
    report: RiskReport

    def to_dict(self) -> dict[str, Any]:
        return {"book": self.book.to_dict(), **self.report.to_dict()}


def portfolio_risk(
    rt: Runtime,
    spec: BookSpec,
    *,
    confidences: Sequence[float] = (0.95, 0.99),
    horizon: int = 1,
    method: str = "all",
    lookback: int | None = None,
    start: date | None = None,
    end: date | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> PortfolioRisk:
    """The full risk report of a book: VaR/ES (``method``, or all four), the delta-normal
    decomposition, exposure by sector, liquidity against daily volume and stress tests."""
    step = progress or _silent
    methods = var_methods(method)
    step(0, 4, "reading the book and prices")
    book = load_book(rt, spec, start=start, end=end)
    step(1, 4, "reading volumes")
    volumes = daily_prices(rt, list(book.held), start, end, field="volume")
    step(2, 4, "computing VaR, ES, exposure and stress")
    report = risk_report(
        book.quantities,
        book.prices,
        cash=book.cash,
        volumes=volumes,
        symbol_table=symbol_table(),
        confidences=confidences,
        horizon=horizon,
        lookback=lookback,
        seed=seed,
        methods=methods,
    )
    step(4, 4, "risk report ready")
    return PortfolioRisk(book, report)


# -- stress ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StressReport:
    book: Book
    equity: float
    results: tuple[StressResult, ...]

    def table(self) -> pd.DataFrame:
        return stress_table(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "book": self.book.to_dict(),
            "equity": self.equity,
            "scenarios": [result.to_dict() for result in self.results],
        }


def stress(
    rt: Runtime,
    spec: BookSpec,
    *,
    windows: Sequence[HistoricalScenario] | None = None,
    shocks: Sequence[Shock] | None = None,
    end: date | None = None,
) -> StressReport:
    """Historical windows (default: the engine's three) replayed on today's book, then shocks
    (default: every symbol -10%). The windows read the whole price history up to ``end``."""
    book = load_book(rt, spec, end=end)
    values = book.market_values
    equity = float(values.sum()) + float(book.cash)
    table = symbol_table()
    results = historical_stress(
        values,
        book.prices,
        scenarios=DEFAULT_SCENARIOS if windows is None else windows,
        equity=equity,
    )
    results += [
        shock_stress(
            values,
            everything=shock.everything,
            sectors=shock.sectors,
            symbols=shock.symbols,
            symbol_table=table,
            equity=equity,
            name=shock.name,
        )
        for shock in (DEFAULT_SHOCKS if shocks is None else shocks)
    ]
    return StressReport(book, equity, tuple(results))


def _decimal(name: str, value: float | Decimal | str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise ValidationError(f"{name} is not a number: {value!r}") from None
    if not number.is_finite():
        raise ValidationError(f"{name} must be finite, got {value!r}")
    return number
