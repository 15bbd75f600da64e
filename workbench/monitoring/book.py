"""The ledger's books valued at the latest prices: what the portfolio rules and the live view
read. Cash is the sum of cash movements; a position without a price yet is valued at its
average entry price (and said so), so equity never silently drops a holding.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.ledger import AccountRow, CashMovementRow, Ledger, PositionRow, exact_sums
from workbench.monitoring.cache import LatestPrices
from workbench.monitoring.watchers import PortfolioSnapshot

if TYPE_CHECKING:
    import pandas as pd

    from workbench.data import Lake

__all__ = ["BookPosition", "BookView", "HistoricalBookVaR", "value_books"]


@dataclass(frozen=True)
class BookPosition:
    account: str
    symbol: str
    qty: float
    avg_entry_price: float
    price: float
    priced: bool

    @property
    def market_value(self) -> float:
        return self.qty * self.price

    @property
    def unrealized_pl(self) -> float:
        return self.qty * (self.price - self.avg_entry_price)


@dataclass(frozen=True)
class BookView:
    snapshots: list[PortfolioSnapshot]
    positions: list[BookPosition]


def value_books(
    ledger: Ledger,
    prices: LatestPrices,
    *,
    now: datetime,
    day_start_equity: dict[str, float] | None = None,
    var: HistoricalBookVaR | None = None,
) -> BookView:
    """Every account's book at ``now``. ``day_start_equity`` (by account) is carried by the
    caller from the first valuation of each day; ``var`` adds each book's one-day VaR."""
    with ledger.session(read_only=True) as session:
        names = session.execute(sa.select(AccountRow.id, AccountRow.name)).all()
        accounts: dict[int, str] = {row.id: row.name for row in names}
        held = session.scalars(sa.select(PositionRow).where(PositionRow.qty != 0)).all()
        cash: dict[int, Decimal] = exact_sums(
            session, CashMovementRow.amount, group_by=CashMovementRow.account_id
        )
    positions: dict[int, list[BookPosition]] = defaultdict(list)
    for row in held:
        price = prices.price(row.symbol)
        positions[row.account_id].append(
            BookPosition(
                accounts[row.account_id],
                row.symbol,
                float(row.qty),
                float(row.avg_entry_price),
                float(row.avg_entry_price) if price is None else price,
                price is not None,
            )
        )
    snapshots = []
    for account_id, name in sorted(accounts.items()):
        book = positions.get(account_id, [])
        equity = float(cash.get(account_id, Decimal(0))) + sum(p.market_value for p in book)
        weights = {p.symbol: p.market_value / equity for p in book} if equity else {}
        starts = day_start_equity if day_start_equity is not None else {}
        snapshots.append(
            PortfolioSnapshot(
                account=name,
                at=now,
                equity=equity,
                day_start_equity=starts.get(name),
                weights=weights,
                gross_exposure=sum(abs(p.market_value) for p in book),
                var=None if var is None else var(book, equity, now),
            )
        )
    return BookView(snapshots, [p for book in positions.values() for p in book])


class HistoricalBookVaR:
    """One-day historical VaR (money) of a book: what today's market values would have lost on
    the worst ``1 - confidence`` of the last ``window`` sessions of the lake's daily closes.
    Returns are read once per symbol set and day, not on every valuation."""

    def __init__(self, lake: Lake, *, window: int = 250, confidence: float = 0.95) -> None:
        self.lake, self.window, self.confidence = lake, window, confidence
        self._returns: dict[tuple[tuple[str, ...], object], pd.DataFrame] = {}

    def __call__(self, positions: list[BookPosition], equity: float, now: datetime) -> float | None:
        import pandas as pd

        from workbench.analysis.risk import historical_var, portfolio_returns

        values = pd.Series({p.symbol: p.market_value for p in positions}, dtype="float64")
        if values.empty or equity <= 0:
            return None
        returns = self._daily_returns(tuple(sorted(values.index)), now)
        if len(returns) < 2:
            return None
        pnl = portfolio_returns(values, returns, equity=equity)
        return historical_var(pnl, confidence=self.confidence, value=equity).var_amount

    def _daily_returns(self, symbols: tuple[str, ...], now: datetime) -> pd.DataFrame:
        key = (symbols, now.date())
        if key not in self._returns:
            closes = self.lake.prices(list(symbols), end=now.date())
            self._returns = {key: closes.tail(self.window + 1).pct_change().iloc[1:]}
        return self._returns[key]
