"""Use cases of the analysis engine over the lake: indicators, performance and VaR of symbols.

A book's risk report and stress tests are in ``ops.portfolio``; target weights and rebalance
plans in ``ops.allocation``.
Each function reads what it needs from ``rt.data``, calls ``workbench.analysis`` and returns
plain results: dataclasses with ``to_dict()`` (JSON-safe) and frames. Daily prices are indexed
by session date (a naive New York date), the analysis engine's convention for daily bars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from workbench.analysis import (
    IndicatorSpec,
    PerformanceSummary,
    compute_indicator,
    drawdown_table,
    get_indicator,
    list_indicators,
    performance_summary,
    price_returns,
    session_dates,
    var_table,
)
from workbench.analysis.risk.var import VAR_METHODS, VarMethod
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.data import bars_dataset
from workbench.model import normalize_symbol, normalize_symbols
from workbench.model.plain import to_plain

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "AUTO",
    "BENCHMARK_CANDIDATES",
    "IndicatorResult",
    "PerformanceReport",
    "VarReport",
    "daily_prices",
    "indicator_list",
    "indicators",
    "performance",
    "records",
    "run_returns",
    "symbol_table",
    "symbol_var",
    "var_methods",
]

#: ``benchmark=AUTO`` picks the first of these the lake holds with prices in the window
BENCHMARK_CANDIDATES: Final = ("SPY", "^GSPC")
AUTO: Final = "auto"


# -- indicators ------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorResult:
    """``values``: one row per bar (symbol, timestamp, one column per output)."""

    name: str
    params: dict[str, int | float]
    timeframe: str
    symbols: list[str]
    outputs: list[str]
    values: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.name,
            "params": self.params,
            "timeframe": self.timeframe,
            "symbols": self.symbols,
            "outputs": self.outputs,
            "rows": records(self.values),
        }


def indicator_list(group: str | None = None) -> list[IndicatorSpec]:
    """Every indicator with its metadata (inputs, parameters and ranges, outputs)."""
    return list_indicators(group)


def indicators(
    rt: Runtime,
    symbols: str | Sequence[str],
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    timeframe: str = "1d",
    tail: int | None = None,
) -> IndicatorResult:
    """Indicator ``name`` over the bars of ``symbols``; ``tail`` keeps the last N rows of each.

    The parameters are checked before the lake is read, so a typo costs no I/O.
    """
    spec = get_indicator(name)
    values = spec.validate(params)
    if tail is not None and tail < 1:
        raise ValidationError(f"tail must be at least 1, got {tail}")
    wanted = _symbols(symbols)
    bars = rt.data.bars(wanted, start, end, timeframe)
    _require_bars(wanted, set(bars["symbol"]), bars_dataset(timeframe), start, end)
    frame = compute_indicator(bars, spec.name, values, time_column="timestamp")
    if tail is not None:
        frame = frame.groupby("symbol", sort=False).tail(tail)
    return IndicatorResult(
        name=spec.name,
        params=dict(values),
        timeframe=timeframe,
        symbols=wanted,
        outputs=list(spec.outputs),
        values=frame.reset_index(drop=True),
    )


# -- performance -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PerformanceReport:
    """Buy and hold of each symbol, or a strategy run's returns, with the deepest drawdowns."""

    basis: Literal["buy_and_hold", "run"]
    benchmark: str | None
    risk_free_rate: float
    summaries: dict[str, PerformanceSummary]
    drawdowns: dict[str, pd.DataFrame]

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "benchmark": self.benchmark,
            "risk_free_rate": self.risk_free_rate,
            "results": [
                {
                    "subject": subject,
                    "summary": summary.to_dict(),
                    "drawdowns": records(self.drawdowns[subject]),
                }
                for subject, summary in self.summaries.items()
            ],
        }


def performance(
    rt: Runtime,
    symbols: str | Sequence[str] = (),
    *,
    run_id: str | None = None,
    benchmark: str | None = AUTO,
    start: date | None = None,
    end: date | None = None,
    risk_free_rate: float = 0.0,
    top_drawdowns: int = 5,
) -> PerformanceReport:
    """Performance of holding each of ``symbols`` (or of strategy run ``run_id``) against
    ``benchmark``: a symbol, ``AUTO`` (SPY, else ^GSPC, when the lake has them) or None."""
    wanted = [] if not symbols else _symbols(symbols)
    if bool(wanted) == (run_id is not None):
        raise ValidationError("give either symbols or a run id, not both and not neither")
    if run_id is not None:
        series = _within(run_returns(rt, run_id), start, end)
        returns = {str(series.name): series}
        window_start, window_end = series.index[0].date(), series.index[-1].date()
    else:
        prices = daily_prices(rt, wanted, start, end)
        returns = {symbol: _returns(prices[symbol], symbol) for symbol in wanted}
        window_start, window_end = prices.index[0].date(), prices.index[-1].date()
    chosen, reference = _benchmark(rt, benchmark, window_start, window_end)
    return PerformanceReport(
        basis="buy_and_hold" if run_id is None else "run",
        benchmark=chosen,
        risk_free_rate=risk_free_rate,
        summaries={
            subject: performance_summary(series, benchmark=reference, risk_free_rate=risk_free_rate)
            for subject, series in returns.items()
        },
        drawdowns={
            subject: drawdown_table(series, top=top_drawdowns)
            for subject, series in returns.items()
        },
    )


def run_returns(rt: Runtime, run_id: str) -> pd.Series[float]:
    """The per-bar returns of a stored backtest or walk-forward run (``ops.strategy.results``);
    an optimisation run holds a grid of portfolios, not one, and is refused."""
    from workbench.ops import strategy

    try:
        number = int(run_id)
    except ValueError:
        raise NotFound(f"no run {run_id!r}: run ids are whole numbers") from None
    result = strategy.results(rt, number)
    returns = result.returns
    if not isinstance(returns, pd.Series):
        raise ValidationError(
            f"run {number} is a {type(result).__name__} (a grid of portfolios); performance "
            "reads a backtest or walk-forward run: backtest the parameters you chose"
        )
    return returns.rename(f"run {number}")


def _benchmark(
    rt: Runtime, benchmark: str | None, start: date | None, end: date | None
) -> tuple[str | None, pd.Series[float] | None]:
    if benchmark is None:
        return None, None
    if benchmark.lower() != AUTO:
        symbol = normalize_symbol(benchmark)
        prices = daily_prices(rt, [symbol], start, end, what="benchmark")
        return symbol, _returns(prices[symbol], symbol)
    held = set(rt.data.symbols("bars_1d"))
    for candidate in BENCHMARK_CANDIDATES:
        if candidate not in held:
            continue
        closes = rt.data.prices([candidate], start, end)
        if closes.shape[0] > 1 and candidate in closes.columns:
            return candidate, _returns(_by_session(closes)[candidate], candidate)
    return None, None


# -- VaR of one symbol -----------------------------------------------------------------------
@dataclass(frozen=True)
class VarReport:
    """VaR and ES of holding one symbol: ``table`` has one row per (method, confidence)."""

    symbol: str
    value: float | None
    horizon: int
    start: date
    end: date
    observations: int
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "value": self.value,
            "horizon": self.horizon,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "observations": self.observations,
            "var": records(self.table),
        }


def var_methods(method: str) -> tuple[VarMethod, ...]:
    """``all`` or one VaR method name, as the methods to run."""
    if method == "all":
        return VAR_METHODS
    for known in VAR_METHODS:
        if method == known:
            return (known,)
    raise ValidationError(f"unknown VaR method {method!r}; valid: all, {', '.join(VAR_METHODS)}")


def symbol_var(
    rt: Runtime,
    symbol: str,
    *,
    confidences: Sequence[float] = (0.95, 0.99),
    horizon: int = 1,
    method: str = "all",
    value: float | None = None,
    lookback: int | None = None,
    start: date | None = None,
    end: date | None = None,
    seed: int = 0,
) -> VarReport:
    """VaR and ES of ``symbol``'s daily returns (the last ``lookback`` of them, if given)."""
    methods = var_methods(method)
    name = normalize_symbol(symbol)
    returns = _returns(daily_prices(rt, [name], start, end)[name], name)
    if lookback is not None:
        if lookback < 2:
            raise ValidationError(f"lookback must be at least 2 returns, got {lookback}")
        returns = returns.tail(lookback)
    table = var_table(
        returns,
        confidences=confidences,
        horizon=horizon,
        methods=methods,
        value=value,
        seed=seed,
    )
    return VarReport(
        symbol=name,
        value=value,
        horizon=horizon,
        start=returns.index[0].date(),
        end=returns.index[-1].date(),
        observations=len(returns),
        table=table,
    )


# -- shared ----------------------------------------------------------------------------------
def daily_prices(
    rt: Runtime,
    symbols: Sequence[str],
    start: date | None = None,
    end: date | None = None,
    *,
    field: str = "close",
    what: str = "symbol",
) -> pd.DataFrame:
    """Wide daily ``field`` of ``symbols`` by session date; every symbol must have a bar in the
    range (an unknown symbol is NotFound from the lake)."""
    wanted = _symbols(symbols)
    prices = rt.data.prices(wanted, start, end, field=field)
    _require_bars(wanted, set(prices.columns), "bars_1d", start, end, what=what)
    return _by_session(prices.loc[:, wanted])


def symbol_table() -> pd.DataFrame:
    """symbol, name, sector of every symbol the workbench knows (the bundled table for now)."""
    from workbench.data.sample import symbol_table as bundled

    return bundled()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` (a named index becomes columns) as plain values
    (``workbench.model.plain``)."""
    result: list[dict[str, Any]] = to_plain(frame)
    return result


def _within(returns: pd.Series[float], start: date | None, end: date | None) -> pd.Series[float]:
    dates = session_dates(pd.DatetimeIndex(returns.index))
    keep = np.ones(len(dates), dtype=bool)
    if start is not None:
        keep &= dates >= pd.Timestamp(start)
    if end is not None:
        keep &= dates <= pd.Timestamp(end)
    chosen = returns.loc[keep]
    if chosen.empty:
        span = f"{start or 'the start'} .. {end or 'the end'}"
        raise NotFound(f"{returns.name} has no returns in {span}")
    return chosen


def _by_session(prices: pd.DataFrame) -> pd.DataFrame:
    frame = prices.copy()
    frame.index = session_dates(pd.DatetimeIndex(frame.index)).rename("date")
    return frame


def _returns(prices: pd.Series[float], symbol: str) -> pd.Series[float]:
    closes = prices.dropna()
    if len(closes) < 2:
        raise DataError(
            f"{symbol} needs at least 2 closes in the range for returns, got {len(closes)}"
        )
    return price_returns(closes).rename(symbol)


def _symbols(symbols: str | Sequence[str]) -> list[str]:
    wanted = normalize_symbols(symbols)
    if not wanted:
        raise ValidationError("give at least one symbol")
    return wanted


def _require_bars(
    wanted: Sequence[str],
    found: set[str],
    dataset: str,
    start: date | None,
    end: date | None,
    *,
    what: str = "symbol",
) -> None:
    empty = [symbol for symbol in wanted if symbol not in found]
    if empty:
        span = f"{start or 'the start'} .. {end or 'the end'}"
        raise NotFound(f"no {dataset} bars for {what} {', '.join(empty)} in {span}", symbols=empty)
