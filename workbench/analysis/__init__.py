"""Floor 3, the analysis engine: pure functions over pandas objects, no I/O.

Indicators (``analysis.indicators``), returns and performance (``returns``, ``performance``,
``drawdown``, ``tables``, ``benchmark``, ``fills``), risk (``analysis.risk``), allocation, the
efficient frontier and rebalancing (``allocation``, ``frontier``, ``rebalance``). The conventions
every function follows (252 trading days, an annual risk-free rate, simple returns, NaN policy)
are stated once in ``analysis.conventions``. TA-Lib, skfolio, scikit-learn and scipy load on
first use.

Results are frames, series or frozen dataclasses with ``to_dict()`` (JSON-safe: NaN becomes
None, dates ISO strings, Decimals strings), which is what ``workbench.ops`` hands to faces.
"""

from workbench.analysis.allocation import (
    AllocationResult,
    WeightConstraints,
    risk_contributions,
    target_weights,
)
from workbench.analysis.benchmark import BenchmarkComparison, compare_to_benchmark
from workbench.analysis.conventions import (
    SESSION_TIMEZONE,
    TRADING_DAYS_PER_YEAR,
    periodic_rate,
    session_dates,
)
from workbench.analysis.drawdown import (
    DrawdownEpisode,
    drawdown_episodes,
    drawdown_series,
    drawdown_table,
    max_drawdown,
)
from workbench.analysis.fills import (
    LedgerReplay,
    fills_frame,
    performance_from_fills,
    replay_fills,
)
from workbench.analysis.frontier import Frontier, efficient_frontier
from workbench.analysis.indicators import (
    IndicatorSpec,
    ParameterSpec,
    compute_indicator,
    compute_indicators,
    get_indicator,
    indicator_groups,
    indicator_table,
    list_indicators,
    validate_parameters,
)
from workbench.analysis.performance import (
    PerformanceSummary,
    TradeStatistics,
    annual_volatility,
    cagr,
    calmar_ratio,
    omega_ratio,
    performance_summary,
    sharpe_ratio,
    sortino_ratio,
    total_return,
    trade_statistics,
)
from workbench.analysis.rebalance import DriftLine, PlannedOrder, RebalancePlan, plan_rebalance
from workbench.analysis.returns import equity_from_returns, price_returns, returns_from_equity
from workbench.analysis.risk import (
    DEFAULT_SCENARIOS,
    ExposureReport,
    HistoricalScenario,
    LimitCheck,
    PortfolioVar,
    RiskReport,
    Shock,
    StressResult,
    VarResult,
    drawdown_limit_check,
    exposure_report,
    historical_stress,
    liquidity_report,
    loss_limit_check,
    portfolio_var,
    risk_report,
    shock_stress,
    value_at_risk,
    var_table,
)
from workbench.analysis.tables import (
    monthly_returns_table,
    rolling_sharpe,
    rolling_volatility,
    yearly_returns,
)

__all__ = [
    "DEFAULT_SCENARIOS",
    "SESSION_TIMEZONE",
    "TRADING_DAYS_PER_YEAR",
    "AllocationResult",
    "BenchmarkComparison",
    "DrawdownEpisode",
    "DriftLine",
    "ExposureReport",
    "Frontier",
    "HistoricalScenario",
    "IndicatorSpec",
    "LedgerReplay",
    "LimitCheck",
    "ParameterSpec",
    "PerformanceSummary",
    "PlannedOrder",
    "PortfolioVar",
    "RebalancePlan",
    "RiskReport",
    "Shock",
    "StressResult",
    "TradeStatistics",
    "VarResult",
    "WeightConstraints",
    "annual_volatility",
    "cagr",
    "calmar_ratio",
    "compare_to_benchmark",
    "compute_indicator",
    "compute_indicators",
    "drawdown_episodes",
    "drawdown_limit_check",
    "drawdown_series",
    "drawdown_table",
    "efficient_frontier",
    "equity_from_returns",
    "exposure_report",
    "fills_frame",
    "get_indicator",
    "historical_stress",
    "indicator_groups",
    "indicator_table",
    "liquidity_report",
    "list_indicators",
    "loss_limit_check",
    "max_drawdown",
    "monthly_returns_table",
    "omega_ratio",
    "performance_from_fills",
    "performance_summary",
    "periodic_rate",
    "plan_rebalance",
    "portfolio_var",
    "price_returns",
    "replay_fills",
    "returns_from_equity",
    "risk_contributions",
    "risk_report",
    "rolling_sharpe",
    "rolling_volatility",
    "session_dates",
    "sharpe_ratio",
    "shock_stress",
    "sortino_ratio",
    "target_weights",
    "total_return",
    "trade_statistics",
    "validate_parameters",
    "value_at_risk",
    "var_table",
    "yearly_returns",
]
