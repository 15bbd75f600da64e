"""What the reports read from the ledger and the lake: runs, accounts, the account's
performance replayed from its fills, positions at the last close, execution with arrival
prices, alerts. Plain frames and builder inputs out; ``workbench.ops.report`` composes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analysis import price_returns, replay_fills, session_dates
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.reporting.builders import ExecutionInput, PerformanceInput
from workbench.reporting.ledger_tables import LedgerFilter, ledger_frame

if TYPE_CHECKING:
    from workbench.data import Lake
    from workbench.ledger import Ledger

__all__ = [
    "BENCHMARKS",
    "AccountRef",
    "RunInfo",
    "account_performance",
    "arrival_prices",
    "benchmark_returns",
    "execution_input",
    "find_account",
    "find_run",
    "ledger_cash",
    "position_marks",
    "session_closes",
]

#: the benchmark of an account's performance: the first of these the lake has for the period
BENCHMARKS = ("SPY", "^GSPC")
_FUNDING = ("deposit", "withdrawal", "transfer", "adjustment")


@dataclass(frozen=True)
class RunInfo:
    id: int
    kind: str
    strategy: str
    status: str
    params: dict[str, Any]
    symbols: list[str]
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class AccountRef:
    id: int
    name: str


def find_run(ledger: Ledger, run_id: int | str) -> RunInfo:
    from workbench.ledger import RunRow

    try:
        number = int(run_id)
    except ValueError:
        raise NotFound(f"no run {run_id!r}: run ids are whole numbers") from None
    with ledger.session(read_only=True) as session:
        row = session.get(RunRow, number)
        if row is None:
            raise NotFound(f"no run {number} in the ledger: see `workbench strategy results`")
        return RunInfo(
            row.id,
            row.kind,
            row.strategy,
            row.status,
            dict(row.params),
            list(row.symbols),
            row.started_at,
            row.finished_at,
        )


def find_account(ledger: Ledger, name: str | None, *, run_id: int | None = None) -> AccountRef:
    """The named account; else the account of the run's orders; else the only account."""
    import sqlalchemy as sa

    from workbench.ledger import AccountRow, OrderRow

    with ledger.session(read_only=True) as session:
        accounts = {row.name: row.id for row in session.scalars(sa.select(AccountRow))}
        if name is None and run_id is not None:
            used = session.scalars(
                sa.select(OrderRow.account_id).where(OrderRow.run_id == run_id).limit(1)
            ).first()
            if used is None:
                raise NotFound(f"run {run_id} placed no orders, so it has no account to show")
            return AccountRef(used, next(n for n, i in accounts.items() if i == used))
    if not accounts:
        raise NotFound("the ledger has no accounts: run a paper session first")
    if name is None:
        if len(accounts) > 1:
            names = ", ".join(sorted(accounts))
            raise ValidationError(f"the ledger has accounts {names}: pick one with --account")
        name = next(iter(accounts))
    if name not in accounts:
        raise NotFound(f"no ledger account {name!r}; accounts: {', '.join(sorted(accounts))}")
    return AccountRef(accounts[name], name)


def ledger_cash(ledger: Ledger, account: AccountRef, *, until: date | None = None) -> float:
    moves = ledger_frame(ledger, "cash_movements", LedgerFilter(end=until, account_id=account.id))
    return float(moves["amount"].sum())


def session_closes(
    lake: Lake, symbols: list[str], start: date | None, end: date | None
) -> pd.DataFrame:
    """Daily closes by New York session date; every symbol must have one in the range."""
    closes = lake.prices(symbols, start, end) if symbols else pd.DataFrame()
    missing = [s for s in symbols if s not in closes.columns or closes[s].dropna().empty]
    if missing:
        span = f"{start or 'the start'} .. {end or 'the end'}"
        raise NotFound(f"no daily closes for {', '.join(missing)} in {span}", symbols=missing)
    closes = closes.loc[:, symbols].copy()
    closes.index = session_dates(pd.DatetimeIndex(closes.index)).rename("date")
    return closes


def benchmark_returns(
    lake: Lake, index: pd.DatetimeIndex
) -> tuple[str | None, pd.Series[float] | None]:
    """SPY (else ^GSPC) daily returns on every session of ``index``, when the lake has them."""
    held = set(lake.symbols("bars_1d"))
    for symbol in BENCHMARKS:
        if symbol not in held:
            continue
        closes = session_closes(lake, [symbol], None, index[-1].date())[symbol].dropna()
        returns = price_returns(closes).reindex(index)
        # a benchmark with a hole in the period (SPY's 2018-2020 gap) would read as flat
        if returns.notna().all():
            return symbol, returns.rename(symbol)
    return None, None


def account_performance(
    ledger: Ledger, lake: Lake, account: AccountRef, where: LedgerFilter, *, subject: str
) -> PerformanceInput:
    """The account replayed from its fills (those of ``where.run_id`` when set) over the lake's
    closes, from the funding before the first fill, cut to ``where``'s dates."""
    scope = LedgerFilter(end=where.end, account_id=account.id, run_id=where.run_id)
    fills = ledger_frame(ledger, "fills", scope)
    if fills.empty:
        raise NotFound(f"{subject} has no fills up to {where.end or 'now'}: nothing to measure")
    first_fill = fills["filled_at"].min()
    funding = ledger_frame(ledger, "cash_movements", LedgerFilter(account_id=account.id))
    funds = funding.loc[funding["kind"].isin(_FUNDING)]
    initial = float(funds.loc[funds["occurred_at"] <= first_fill, "amount"].sum())
    if not initial > 0:  # an opening balance stamped by the wall clock after replayed fills
        initial = float(funds["amount"].sum())
    if not initial > 0:
        raise DataError(f"{subject}: the account has no deposit, so no starting equity")
    symbols = sorted(set(fills["symbol"]))
    first_day = session_dates(pd.DatetimeIndex([first_fill]))[0].date()
    closes = session_closes(lake, symbols, first_day, where.end)
    frame = fills.rename(columns={"filled_at": "timestamp"})
    replay = replay_fills(frame, closes, initial_cash=initial)
    returns = _within(replay.returns, where.start, where.end, subject)
    benchmark, reference = benchmark_returns(lake, pd.DatetimeIndex(returns.index))
    book = replay.book.loc[returns.index]
    pnl = replay.trade_pnl
    return PerformanceInput(
        subject=subject,
        returns=returns.rename(subject),
        initial_equity=float(replay.book["equity"].shift(1).fillna(initial).loc[returns.index[0]]),
        benchmark_name=benchmark,
        benchmark=reference,
        exposure=book["gross_exposure"],
        turnover=book["turnover"],
        trade_pnl=pnl if len(pnl) else None,
    )


def position_marks(
    ledger: Ledger, lake: Lake, account: AccountRef, end: date | None
) -> tuple[pd.DataFrame, date | None]:
    """The account's open positions with the last close at or before ``end`` as ``price``."""
    positions = ledger_frame(ledger, "positions", LedgerFilter(account_id=account.id))
    positions = positions.loc[positions["qty"] != 0]
    columns = ["symbol", "qty", "avg_entry_price", "realized_pl"]
    table = positions.loc[:, columns].reset_index(drop=True)
    if table.empty:
        return table.assign(price=pd.Series(dtype="float64")), None
    closes = session_closes(lake, list(table["symbol"]), None, end).ffill()
    table["price"] = table["symbol"].map(closes.iloc[-1]).astype("float64")
    return table, pd.Timestamp(closes.index[-1]).date()


def arrival_prices(orders: pd.DataFrame, events: pd.DataFrame, lake: Lake) -> pd.DataFrame:
    """Each order's arrival price: the ``arrival_price`` its first event recorded, else the
    last daily close before the session it was sent in (the price known when it arrived)."""
    rows: dict[int, tuple[float, str]] = {}
    for order_id, payload in zip(events["order_id"], events["payload"], strict=True):
        price = payload.get("arrival_price") if isinstance(payload, dict) else None
        if price is not None and int(order_id) not in rows:
            rows[int(order_id)] = (float(price), "recorded")
    pending = orders.loc[~orders["id"].isin(list(rows))]
    if len(pending):
        sent = pending["submitted_at"].fillna(pending["created_at"])
        days = session_dates(pd.DatetimeIndex(sent))
        closes = session_closes(lake, sorted(set(pending["symbol"])), None, days.max().date())
        for order_id, symbol, day in zip(pending["id"], pending["symbol"], days, strict=True):
            before = closes[symbol].loc[closes.index < day].dropna()
            if len(before):
                rows[int(order_id)] = (float(before.iloc[-1]), "previous close")
    return pd.DataFrame(
        [(k, price, source) for k, (price, source) in rows.items()],
        columns=["order_id", "arrival_price", "arrival_source"],
    )


def execution_input(
    ledger: Ledger, lake: Lake, where: LedgerFilter, **extra: Any
) -> ExecutionInput:
    orders = ledger_frame(ledger, "orders", where)
    fills = ledger_frame(ledger, "fills", where)
    events = ledger_frame(ledger, "order_events", where)
    shown = [
        "id", "client_order_id", "symbol", "side", "type", "qty", "limit_price", "status",
        "filled_qty", "filled_avg_price", "reason", "strategy", "run_id", "submitted_at",
    ]  # fmt: skip
    fill_columns = ["order_id", "symbol", "side", "qty", "price", "fee", "filled_at"]
    return ExecutionInput(
        orders=orders.loc[:, shown],
        fills=fills.loc[:, fill_columns],
        arrival=arrival_prices(orders, events, lake) if len(orders) else None,
        **extra,
    )


def _within(
    returns: pd.Series[float], start: date | None, end: date | None, subject: str
) -> pd.Series[float]:
    keep = pd.Series(True, index=returns.index)
    if start is not None:
        keep &= returns.index >= pd.Timestamp(start)
    if end is not None:
        keep &= returns.index <= pd.Timestamp(end)
    chosen = returns.loc[keep.to_numpy()]
    if len(chosen) < 2:
        span = f"{start or 'the start'} .. {end or 'the end'}"
        raise NotFound(
            f"{subject} has {len(chosen)} daily return(s) in {span}; a report needs at least 2"
        )
    return chosen
