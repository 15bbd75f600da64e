"""The performance tearsheet: headline figures, equity against a benchmark, drawdowns, monthly
returns, rolling Sharpe and volatility, and trade statistics, all from ``workbench.analysis``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from workbench.analysis import (
    PerformanceSummary,
    drawdown_series,
    drawdown_table,
    monthly_returns_table,
    performance_summary,
    rolling_sharpe,
    rolling_volatility,
)
from workbench.core.errors import DataError
from workbench.reporting.model import Chart, Metric, Report, Section, Table, ValueFormat

__all__ = ["PerformanceInput", "performance_report", "performance_sections"]

_HEADLINE: tuple[tuple[str, str, ValueFormat], ...] = (
    ("total_return", "Total return", "percent"),
    ("cagr", "CAGR", "percent"),
    ("annual_volatility", "Annual volatility", "percent"),
    ("sharpe", "Sharpe ratio", "ratio"),
    ("sortino", "Sortino ratio", "ratio"),
    ("calmar", "Calmar ratio", "ratio"),
    ("omega", "Omega ratio", "ratio"),
    ("max_drawdown", "Max drawdown", "percent"),
    ("best_period", "Best day", "percent"),
    ("worst_period", "Worst day", "percent"),
    ("exposure", "Average gross exposure", "percent"),
    ("time_in_market", "Time in market", "percent"),
    ("annual_turnover", "Annual turnover", "ratio"),
)
_RELATIVE: tuple[tuple[str, str, ValueFormat], ...] = (
    ("beta", "Beta", "ratio"),
    ("alpha", "Alpha (annual)", "percent"),
    ("correlation", "Correlation", "ratio"),
    ("tracking_error", "Tracking error", "percent"),
    ("information_ratio", "Information ratio", "ratio"),
    ("up_capture", "Up capture", "ratio"),
    ("down_capture", "Down capture", "ratio"),
)
_TRADES: tuple[tuple[str, str, ValueFormat], ...] = (
    ("count", "Outcomes", "integer"),
    ("wins", "Wins", "integer"),
    ("losses", "Losses", "integer"),
    ("hit_rate", "Hit rate", "percent"),
    ("profit_factor", "Profit factor", "ratio"),
    ("average_win", "Average win", "number"),
    ("average_loss", "Average loss", "number"),
    ("payoff_ratio", "Payoff ratio", "ratio"),
)


@dataclass(frozen=True)
class PerformanceInput:
    """Per-period simple returns of the subject (and of its benchmark), plus what the analysis
    engine needs for exposure, turnover and per-trade statistics when the caller has them."""

    subject: str
    returns: pd.Series[float]
    initial_equity: float = 1.0
    benchmark_name: str | None = None
    benchmark: pd.Series[float] | None = None
    exposure: pd.Series[float] | None = None
    turnover: pd.Series[float] | None = None
    trade_pnl: pd.Series[float] | None = None
    risk_free_rate: float = 0.0
    rolling_window: int = 63

    def summary(self) -> PerformanceSummary:
        return performance_summary(
            self.returns,
            benchmark=self.benchmark,
            risk_free_rate=self.risk_free_rate,
            exposure=self.exposure,
            turnover=self.turnover,
            trade_pnl=self.trade_pnl
            if self.trade_pnl is not None and len(self.trade_pnl)
            else None,
        )


def performance_report(
    data: PerformanceInput, *, params: Mapping[str, Any] | None = None
) -> Report:
    first, last = data.returns.index[0], data.returns.index[-1]
    return Report(
        kind="performance",
        title=f"Performance: {data.subject}",
        subtitle=f"{_day(first)} to {_day(last)}",
        generated_at=datetime.now(UTC),
        sections=performance_sections(data),
        params=dict(params or {}),
    )


def performance_sections(data: PerformanceInput) -> tuple[Section, ...]:
    if len(data.returns) < 2:
        raise DataError(
            f"{data.subject} has {len(data.returns)} return(s) in the period; a performance "
            "report needs at least 2"
        )
    summary = data.summary()
    figures = summary.to_dict()
    headline = [Metric("start", "First day", _day(summary.start), "date")]
    headline.append(Metric("end", "Last day", _day(summary.end), "date"))
    headline.append(Metric("periods", "Trading days", summary.periods, "integer"))
    headline += [
        Metric(key, label, figures[key], kind)
        for key, label, kind in _HEADLINE
        if not _missing(figures[key])
        or key not in ("exposure", "time_in_market", "annual_turnover")
    ]
    relative = figures["benchmark"] or {}
    headline += [
        Metric(f"benchmark_{key}", label, relative[key], kind)
        for key, label, kind in _RELATIVE
        if relative
    ]
    daily = _daily_table(data)
    return (
        Section(
            "performance",
            f"Performance of {data.subject}",
            metrics=tuple(headline),
            charts=(_equity_chart(daily, data), _drawdown_chart(daily)),
            notes=_performance_notes(data, summary),
        ),
        _drawdown_section(data),
        _monthly_section(data),
        _rolling_section(daily, data),
        _trades_section(summary),
    )


def _daily_table(data: PerformanceInput) -> pd.DataFrame:
    returns = data.returns
    frame = pd.DataFrame({"date": pd.DatetimeIndex(returns.index).tz_localize(None)})
    frame["return"] = returns.to_numpy()
    frame["equity"] = (data.initial_equity * (1.0 + returns).cumprod()).to_numpy()
    frame["drawdown"] = drawdown_series(returns).to_numpy()
    if data.benchmark is not None:
        aligned = data.benchmark.reindex(returns.index).fillna(0.0)
        frame["benchmark_equity"] = (data.initial_equity * (1.0 + aligned).cumprod()).to_numpy()
    window = min(data.rolling_window, max(len(returns) - 1, 2))
    frame["rolling_sharpe"] = rolling_sharpe(
        returns, window=window, risk_free_rate=data.risk_free_rate
    ).to_numpy()
    frame["rolling_volatility"] = rolling_volatility(returns, window=window).to_numpy()
    return frame


def _equity_chart(daily: pd.DataFrame, data: PerformanceInput) -> Chart:
    columns = {"equity": data.subject}
    if "benchmark_equity" in daily.columns:
        columns["benchmark_equity"] = data.benchmark_name or "benchmark"
    frame = daily.set_index("date")[list(columns)].rename(columns=columns)
    title = "Equity" if len(columns) == 1 else "Equity against the benchmark"
    return Chart.from_frame("equity", title, frame, y_format="money")


def _drawdown_chart(daily: pd.DataFrame) -> Chart:
    frame = daily.set_index("date")[["drawdown"]]
    return Chart.from_frame("drawdown", "Drawdown", frame, kind="area", y_format="percent")


def _drawdown_section(data: PerformanceInput) -> Section:
    table = drawdown_table(data.returns, top=5).reset_index()
    formats: dict[str, ValueFormat] = {
        "rank": "integer",
        "peak": "date",
        "trough": "date",
        "recovery": "date",
        "depth": "percent",
        "decline_periods": "integer",
        "recovery_periods": "integer",
    }
    return Section(
        "drawdowns",
        "Deepest drawdowns",
        tables=(Table("drawdowns", "Deepest drawdowns", table, formats),),
    )


def _monthly_section(data: PerformanceInput) -> Section:
    table = monthly_returns_table(data.returns)
    months = [str(c) for c in table.columns if c != "Year"]
    heatmap = Chart.from_frame(
        "monthly_returns", "Monthly returns", table[months].T, kind="heatmap", y_format="percent"
    )
    frame = table.reset_index()
    frame["year"] = frame["year"].astype(str)  # a label: 2018, not 2,018
    formats: dict[str, ValueFormat] = {str(c): "percent" for c in table.columns}
    formats["year"] = "text"
    return Section(
        "monthly",
        "Monthly returns",
        tables=(Table("monthly_returns", "Monthly returns", frame, formats),),
        charts=(heatmap,),
    )


def _rolling_section(daily: pd.DataFrame, data: PerformanceInput) -> Section:
    frame = daily.set_index("date")
    window = min(data.rolling_window, max(len(data.returns) - 1, 2))
    sharpe = Chart.from_frame(
        "rolling_sharpe", f"Rolling Sharpe ({window} days)", frame[["rolling_sharpe"]]
    )
    volatility = Chart.from_frame(
        "rolling_volatility",
        f"Rolling volatility ({window} days)",
        frame[["rolling_volatility"]],
        y_format="percent",
    )
    formats: dict[str, ValueFormat] = {
        "date": "date",
        "return": "percent",
        "equity": "money",
        "drawdown": "percent",
        "benchmark_equity": "money",
        "rolling_sharpe": "ratio",
        "rolling_volatility": "percent",
    }
    table = Table(
        "daily",
        "Daily returns, equity and rolling figures",
        daily,
        {k: v for k, v in formats.items() if k in daily.columns},
    )
    return Section(
        "rolling", "Rolling Sharpe and volatility", tables=(table,), charts=(sharpe, volatility)
    )


def _trades_section(summary: PerformanceSummary) -> Section:
    trades = summary.trades.to_dict()
    basis = "closed trades (P&L)" if summary.trades.basis == "trades" else "daily returns"
    rows = [
        {"statistic": label, "value": _float(trades[key]), "format": kind, "key": key}
        for key, label, kind in _TRADES
    ]
    frame = pd.DataFrame(rows, columns=["key", "statistic", "value", "format"])
    metrics = tuple(Metric(f"trades_{k}", label, trades[k], kind) for k, label, kind in _TRADES)
    return Section(
        "trades",
        "Trade statistics",
        metrics=metrics,
        tables=(Table("trade_statistics", "Trade statistics", frame, {"value": "number"}),),
        notes=(f"Wins and losses are counted over {basis}.",),
    )


def _performance_notes(data: PerformanceInput, summary: PerformanceSummary) -> tuple[str, ...]:
    notes = [
        f"Figures from {summary.periods} daily returns; 252 trading days a year, "
        f"risk-free rate {data.risk_free_rate:.2%}."
    ]
    if data.benchmark is None:
        notes.append("No benchmark: the lake has no benchmark prices for the period.")
    else:
        notes.append(f"Benchmark: {data.benchmark_name}, bought and held over the same days.")
    return tuple(notes)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _day(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")
