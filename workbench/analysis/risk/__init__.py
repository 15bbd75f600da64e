"""Risk: VaR and ES (historical, Gaussian, Cornish-Fisher, Monte Carlo), portfolio VaR with
marginal and component VaR, exposure and liquidity, stress tests and limit checks."""

from workbench.analysis.risk.exposure import (
    Concentration,
    ExposureReport,
    concentration,
    exposure_report,
    liquidity_report,
    sector_exposure,
    sector_of,
)
from workbench.analysis.risk.limits import LimitCheck, drawdown_limit_check, loss_limit_check
from workbench.analysis.risk.portfolio import (
    PortfolioVar,
    covariance_matrix,
    portfolio_returns,
    portfolio_var,
    position_values,
)
from workbench.analysis.risk.report import RiskReport, risk_report
from workbench.analysis.risk.stress import (
    DEFAULT_SCENARIOS,
    HistoricalScenario,
    Shock,
    StressResult,
    historical_stress,
    shock_stress,
    stress_table,
)
from workbench.analysis.risk.var import (
    VarResult,
    cornish_fisher_var,
    historical_var,
    monte_carlo_var,
    parametric_var,
    value_at_risk,
    var_table,
)

__all__ = [
    "DEFAULT_SCENARIOS",
    "Concentration",
    "ExposureReport",
    "HistoricalScenario",
    "LimitCheck",
    "PortfolioVar",
    "RiskReport",
    "Shock",
    "StressResult",
    "VarResult",
    "concentration",
    "cornish_fisher_var",
    "covariance_matrix",
    "drawdown_limit_check",
    "exposure_report",
    "historical_stress",
    "historical_var",
    "liquidity_report",
    "loss_limit_check",
    "monte_carlo_var",
    "parametric_var",
    "portfolio_returns",
    "portfolio_var",
    "position_values",
    "risk_report",
    "sector_exposure",
    "sector_of",
    "shock_stress",
    "stress_table",
    "value_at_risk",
    "var_table",
]
