"""Value at Risk and Expected Shortfall of a return series, four ways, at any confidence and
horizon (conventions: ``analysis.conventions``; both figures are positive losses).

historical
    Empirical quantile (numpy's linear interpolation) of the overlapping ``horizon``-period
    compounded returns; ES is the mean of the returns at or below it.
parametric
    Gaussian with the sample mean and standard deviation (ddof=1), scaled i.i.d.:
    mean * h, std * sqrt(h). ES = -(mean_h - std_h * pdf(z) / (1 - confidence)).
cornish_fisher
    The Gaussian quantile corrected for sample skewness and excess kurtosis (bias-corrected
    estimators, scaled i.i.d. as skew / sqrt(h) and kurtosis / h). ES is the exact mean of the
    expanded quantile over the tail (Gaussian partial moments). The expansion is only a
    distribution while it stays monotone: very large skew or kurtosis breaks it.
monte_carlo
    ``simulations`` paths of ``horizon`` periods, compounded; per-period returns drawn from the
    fitted Gaussian (``distribution="normal"``) or resampled from history (``"bootstrap"``),
    with ``numpy.random.default_rng(seed)`` so a seed always gives the same figures.

A VaR is negative when even the tail of the distribution is a gain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from workbench.analysis._checks import (
    FloatArray,
    as_float,
    as_series,
    json_safe,
    positive_int,
    probability,
    require_length,
    sample_std,
)
from workbench.core.errors import DataError, ValidationError

__all__ = [
    "VarMethod",
    "VarResult",
    "cornish_fisher_var",
    "historical_var",
    "monte_carlo_var",
    "parametric_var",
    "value_at_risk",
    "var_table",
]

_NORMAL = NormalDist()

VarMethod = Literal["historical", "parametric", "cornish_fisher", "monte_carlo"]
VAR_METHODS: tuple[VarMethod, ...] = get_args(VarMethod)


@dataclass(frozen=True, slots=True)
class VarResult:
    """VaR and ES as fractions of value; ``value`` (when given) turns them into money."""

    method: VarMethod
    confidence: float
    horizon: int
    var: float
    expected_shortfall: float
    observations: int
    value: float | None = None

    @property
    def var_amount(self) -> float | None:
        return None if self.value is None else self.var * self.value

    @property
    def expected_shortfall_amount(self) -> float | None:
        return None if self.value is None else self.expected_shortfall * self.value

    def to_dict(self) -> dict[str, Any]:
        return {
            **json_safe(self),
            "var_amount": json_safe(self.var_amount),
            "expected_shortfall_amount": json_safe(self.expected_shortfall_amount),
        }


def historical_var(
    returns: pd.Series[float],
    *,
    confidence: float = 0.95,
    horizon: int = 1,
    value: float | None = None,
) -> VarResult:
    series, confidence, horizon = _prepare(returns, confidence, horizon)
    if len(series) < horizon + 1:
        raise DataError(
            f"historical VaR over {horizon} periods needs at least {horizon + 1} returns, "
            f"got {len(series)}"
        )
    with np.errstate(divide="ignore"):  # a -100% return is log(0) = -inf, which expm1 undoes
        log_growth = np.log1p(series.to_numpy())
    # overlapping windows: every h-period stretch of history is one outcome
    outcomes = np.expm1(np.convolve(log_growth, np.ones(horizon), mode="valid"))
    cutoff = float(np.quantile(outcomes, 1.0 - confidence))
    tail = outcomes[outcomes <= cutoff]
    return _result("historical", confidence, horizon, -cutoff, -float(tail.mean()), series, value)


def parametric_var(
    returns: pd.Series[float],
    *,
    confidence: float = 0.95,
    horizon: int = 1,
    value: float | None = None,
) -> VarResult:
    series, confidence, horizon = _prepare(returns, confidence, horizon)
    mean, std = _scaled_moments(series.to_numpy(), horizon)
    # the standard library's normal (exact to double precision) spares importing scipy.stats
    z = _NORMAL.inv_cdf(confidence)
    var = -mean + z * std
    shortfall = -mean + std * _NORMAL.pdf(z) / (1.0 - confidence)
    return _result("parametric", confidence, horizon, var, shortfall, series, value)


def cornish_fisher_var(
    returns: pd.Series[float],
    *,
    confidence: float = 0.95,
    horizon: int = 1,
    value: float | None = None,
) -> VarResult:
    from scipy.stats import kurtosis, norm, skew

    series, confidence, horizon = _prepare(returns, confidence, horizon)
    require_length(series, 4, name="returns for Cornish-Fisher (skewness and kurtosis)")
    values = series.to_numpy()
    mean, std = _scaled_moments(values, horizon)
    s = k = 0.0  # a series that never moves has no shape to correct (and scipy would warn)
    if sample_std(values) > 0:
        s = float(skew(values, bias=False)) / math.sqrt(horizon)
        k = float(kurtosis(values, fisher=True, bias=False)) / horizon
    q = float(norm.ppf(1.0 - confidence))  # the left-tail Gaussian quantile, negative
    z_cf = q + (q**2 - 1) * s / 6 + (q**3 - 3 * q) * k / 24 - (2 * q**3 - 5 * q) * s**2 / 36
    # E[z_cf(Z) | Z <= q] from the Gaussian partial moments E[Z^n; Z <= q], n = 0..3
    tail, density = 1.0 - confidence, float(norm.pdf(q))
    m0, m1 = tail, -density
    m2, m3 = tail - q * density, -(q**2 + 2) * density
    expanded = (
        m1 + (m2 - m0) * s / 6 + (m3 - 3 * m1) * k / 24 - (2 * m3 - 5 * m1) * s**2 / 36
    ) / tail
    var = -(mean + z_cf * std)
    shortfall = -(mean + expanded * std)
    return _result("cornish_fisher", confidence, horizon, var, shortfall, series, value)


def monte_carlo_var(
    returns: pd.Series[float],
    *,
    confidence: float = 0.95,
    horizon: int = 1,
    value: float | None = None,
    simulations: int = 100_000,
    seed: int = 0,
    distribution: Literal["normal", "bootstrap"] = "normal",
) -> VarResult:
    series, confidence, horizon = _prepare(returns, confidence, horizon)
    simulations = positive_int("simulations", simulations, minimum=100)
    if distribution not in ("normal", "bootstrap"):
        raise ValidationError(f"distribution must be 'normal' or 'bootstrap', got {distribution!r}")
    values = series.to_numpy()
    mean, std = float(values.mean()), float(np.std(values, ddof=1))
    rng = np.random.default_rng(seed)
    growth = np.ones(simulations)
    for _ in range(horizon):  # one period at a time keeps memory at one row of paths
        draws = (
            rng.normal(mean, std, simulations)
            if distribution == "normal"
            else rng.choice(values, simulations, replace=True)
        )
        growth *= 1.0 + draws
    outcomes = growth - 1.0
    cutoff = float(np.quantile(outcomes, 1.0 - confidence))
    shortfall = -float(outcomes[outcomes <= cutoff].mean())
    return _result("monte_carlo", confidence, horizon, -cutoff, shortfall, series, value)


def value_at_risk(
    returns: pd.Series[float],
    *,
    method: VarMethod = "historical",
    confidence: float = 0.95,
    horizon: int = 1,
    value: float | None = None,
    **options: Any,
) -> VarResult:
    """VaR and ES by ``method``; ``options`` go to the Monte Carlo (simulations, seed...)."""
    if method not in VAR_METHODS:
        raise ValidationError(f"unknown VaR method {method!r}; valid: {', '.join(VAR_METHODS)}")
    if options and method != "monte_carlo":
        raise ValidationError(f"{method} VaR takes no options, got {sorted(options)}")
    common: dict[str, Any] = {"confidence": confidence, "horizon": horizon, "value": value}
    if method == "historical":
        return historical_var(returns, **common)
    if method == "parametric":
        return parametric_var(returns, **common)
    if method == "cornish_fisher":
        return cornish_fisher_var(returns, **common)
    return monte_carlo_var(returns, **common, **options)


def var_table(
    returns: pd.Series[float],
    *,
    confidences: Sequence[float] = (0.95, 0.99),
    horizon: int = 1,
    methods: Sequence[VarMethod] = VAR_METHODS,
    value: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (method, confidence): var, expected_shortfall (and amounts with ``value``)."""
    rows = []
    for method in methods:
        options = {"seed": seed} if method == "monte_carlo" else {}
        for confidence in confidences:
            result = value_at_risk(
                returns,
                method=method,
                confidence=confidence,
                horizon=horizon,
                value=value,
                **options,
            )
            rows.append(result.to_dict())
    return pd.DataFrame(rows).set_index(["method", "confidence"])


def _prepare(
    returns: pd.Series[float], confidence: float, horizon: int
) -> tuple[pd.Series[float], float, int]:
    series = as_series(returns, name="returns")
    require_length(series, 2, name="returns")
    return series, probability("confidence", confidence), positive_int("horizon", horizon)


def _scaled_moments(values: FloatArray, horizon: int) -> tuple[float, float]:
    return float(values.mean()) * horizon, sample_std(values) * math.sqrt(horizon)


def _result(
    method: VarMethod,
    confidence: float,
    horizon: int,
    var: float,
    shortfall: float,
    series: pd.Series[float],
    value: float | None,
) -> VarResult:
    return VarResult(
        method=method,
        confidence=confidence,
        horizon=horizon,
        var=float(var) + 0.0,  # + 0.0 turns a -0.0 into 0.0
        expected_shortfall=float(shortfall) + 0.0,
        observations=len(series),
        value=None if value is None else as_float("value", value),
    )
