"""Target weights from a history of returns: equal weight, inverse volatility, minimum variance,
maximum Sharpe, risk parity (equal risk contribution), hierarchical risk parity, or weights a
user gives, under constraints (long only, per-asset bounds, a cap per sector).

The optimisers are skfolio's. Minimum variance, maximum Sharpe and risk parity take every
constraint inside the optimisation. Equal weight, inverse volatility and HRP are rules rather
than optimisations, so their weights are then brought within the constraints by capping:
weights over a bound are cut to it and the excess goes to the others in proportion to their
weights, until nothing is over (the way capped indexes are built). User weights must already
satisfy the constraints. The covariance is Ledoit-Wolf shrunk unless ``covariance="sample"``;
inverse volatility always uses the sample volatility of each asset.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from workbench.analysis._checks import as_float, json_safe, require_length
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR, periodic_rate
from workbench.analysis.risk.exposure import sector_of
from workbench.analysis.risk.portfolio import CovarianceMethod, covariance_matrix
from workbench.core.errors import DataError, ValidationError

__all__ = [
    "AllocationMethod",
    "AllocationResult",
    "WeightConstraints",
    "risk_contributions",
    "target_weights",
]

AllocationMethod = Literal[
    "equal_weight",
    "inverse_volatility",
    "min_variance",
    "max_sharpe",
    "risk_parity",
    "hrp",
    "user",
]
ALLOCATION_METHODS: tuple[AllocationMethod, ...] = get_args(AllocationMethod)
_CAPPED = frozenset({"equal_weight", "inverse_volatility", "hrp"})
_TOLERANCE = 1e-9
# solvers return 1e-8-sized weights for assets they mean to leave out; a rebalance would
# turn them into dust orders
_DUST = 1e-6


@dataclass(frozen=True, slots=True)
class WeightConstraints:
    """Bounds on every weight, and optionally on each sector's total (one cap for all sectors,
    or a cap per sector name; sectors come from the symbol table)."""

    long_only: bool = True
    min_weight: float = 0.0
    max_weight: float = 1.0
    max_sector_weight: float | Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        low, high = as_float("min_weight", self.min_weight), as_float("max_weight", self.max_weight)
        if low > high:
            raise ValidationError(f"min_weight {low:g} is above max_weight {high:g}")
        if self.long_only and low < 0:
            raise ValidationError(f"long_only weights cannot have min_weight {low:g} < 0")
        if high <= 0:
            raise ValidationError(f"max_weight must be positive, got {high:g}")


@dataclass(frozen=True, slots=True, eq=False)
class AllocationResult:
    """``weights`` sum to 1; ``risk_share`` is each asset's share of portfolio variance."""

    method: AllocationMethod
    weights: pd.Series[float]
    risk_share: pd.Series[float]
    constraints: WeightConstraints
    covariance: CovarianceMethod
    observations: int
    capped: bool
    #: what the optimiser warned about (e.g. a covariance it had to repair), for the record
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def target_weights(
    returns: pd.DataFrame,
    method: AllocationMethod,
    *,
    constraints: WeightConstraints | None = None,
    symbol_table: pd.DataFrame | None = None,
    user_weights: Mapping[str, float] | pd.Series[float] | None = None,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
    covariance: CovarianceMethod = "ledoit_wolf",
) -> AllocationResult:
    """Weights for the assets in ``returns`` (wide per-period returns, columns = symbols;
    rows with any NaN are left out)."""
    if method not in ALLOCATION_METHODS:
        raise ValidationError(
            f"unknown allocation method {method!r}; valid: {', '.join(ALLOCATION_METHODS)}"
        )
    rules = constraints or WeightConstraints()
    history = _complete_rows(returns)
    symbols = list(history.columns)
    caps = _sector_caps(rules, symbols, symbol_table)
    _check_feasible(rules, symbols, caps)
    if not rules.long_only and method not in ("min_variance", "max_sharpe", "user"):
        raise ValidationError(f"{method} is long only; shorts need min_variance or max_sharpe")
    capped = False
    notes: tuple[str, ...] = ()
    if method == "user":
        weights = _user_weights(user_weights, symbols)
        _require_within(weights, rules, caps)
    else:
        rate = periodic_rate(as_float("risk_free_rate", risk_free_rate), periods_per_year)
        raw, notes = _skfolio_weights(history, method, rules, caps, covariance, rate)
        weights = _fit_to_constraints(raw, rules, caps)
        # optimiser output moves by solver noise only; a rule's output may be cut to fit
        capped = method in _CAPPED and float((weights - raw).abs().max()) > 1e-6
    cov, _ = covariance_matrix(history, method=covariance)
    return AllocationResult(
        method=method,
        weights=weights.rename("weight"),
        risk_share=risk_contributions(weights, cov),
        constraints=rules,
        covariance=covariance,
        observations=len(history),
        capped=capped,
        notes=notes,
    )


def risk_contributions(weights: pd.Series[float], covariance: pd.DataFrame) -> pd.Series[float]:
    """Each asset's share of portfolio variance: w_i (S w)_i / (w' S w); they sum to 1."""
    matrix = covariance.loc[weights.index, weights.index].to_numpy()
    marginal = matrix @ weights.to_numpy()
    variance = float(weights.to_numpy() @ marginal)
    if not variance > 0:
        raise DataError("the weights carry no variance")
    return pd.Series(weights.to_numpy() * marginal / variance, index=weights.index, name="risk")


@dataclass(frozen=True, slots=True)
class _SectorCaps:
    labels: pd.Series[str]  # sector of each symbol
    caps: dict[str, float]


def _skfolio_weights(
    history: pd.DataFrame,
    method: AllocationMethod,
    rules: WeightConstraints,
    caps: _SectorCaps | None,
    covariance: CovarianceMethod,
    rate: float,
) -> tuple[pd.Series[float], tuple[str, ...]]:
    from skfolio.exceptions import SkfolioError

    if len(history.columns) == 1:
        return pd.Series([1.0], index=history.columns), ()
    estimator = _estimator(method, rules, caps, covariance, rate, list(history.columns))
    # the optimiser's warnings (a covariance it had to repair...) belong in the result, where
    # a face can show them, not on stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(history)
        except (SkfolioError, ValueError, ArithmeticError) as exc:
            raise DataError(f"{method} found no weights for this history: {exc}") from exc
    notes = tuple(dict.fromkeys(str(warning.message) for warning in caught))
    weights = pd.Series(np.asarray(estimator.weights_, dtype=float), index=history.columns)
    return weights, notes


def _estimator(
    method: AllocationMethod,
    rules: WeightConstraints,
    caps: _SectorCaps | None,
    covariance: CovarianceMethod,
    rate: float,
    symbols: list[str],
) -> Any:
    from skfolio import RiskMeasure
    from skfolio.moments import EmpiricalCovariance, LedoitWolf
    from skfolio.optimization import (
        EqualWeighted,
        HierarchicalRiskParity,
        InverseVolatility,
        MeanRisk,
        ObjectiveFunction,
        RiskBudgeting,
    )
    from skfolio.prior import EmpiricalPrior

    if method == "equal_weight":
        return EqualWeighted()
    if method == "inverse_volatility":
        return InverseVolatility()
    estimator = LedoitWolf() if covariance == "ledoit_wolf" else EmpiricalCovariance()
    prior = EmpiricalPrior(covariance_estimator=estimator)
    bounds = {"min_weights": rules.min_weight, "max_weights": rules.max_weight}
    if method == "hrp":
        return HierarchicalRiskParity(RiskMeasure.VARIANCE, prior_estimator=prior, **bounds)
    linear: dict[str, Any] = {}
    if caps is not None:
        rows = [(caps.labels.to_numpy() == sector).astype(float) for sector in caps.caps]
        linear = {
            "left_inequality": np.vstack(rows),
            "right_inequality": np.array(list(caps.caps.values())),
        }
    if method == "risk_parity":
        return RiskBudgeting(RiskMeasure.VARIANCE, prior_estimator=prior, **bounds, **linear)
    objective = (
        ObjectiveFunction.MINIMIZE_RISK
        if method == "min_variance"
        else ObjectiveFunction.MAXIMIZE_RATIO
    )
    return MeanRisk(
        objective_function=objective,
        risk_measure=RiskMeasure.VARIANCE,
        prior_estimator=prior,
        risk_free_rate=rate,
        **bounds,
        **linear,
    )


def _fit_to_constraints(
    raw: pd.Series[float], rules: WeightConstraints, caps: _SectorCaps | None
) -> pd.Series[float]:
    """Cap and redistribute until every bound holds (a no-op on weights already inside)."""
    weights = raw.clip(lower=rules.min_weight if rules.long_only else None)
    if rules.min_weight <= 0:
        weights = weights.where(weights.abs() >= _DUST, 0.0)
    weights = weights / weights.sum()
    low, high = rules.min_weight, rules.max_weight
    for _ in range(500):
        weights = weights.clip(lower=low, upper=high)
        pinned = weights >= high - _TOLERANCE
        if caps is not None:
            for sector, cap in caps.caps.items():
                members = caps.labels.to_numpy() == sector
                total = float(weights[members].sum())
                if total > cap - _TOLERANCE:
                    weights[members] *= cap / total
                    pinned |= members
        gap = 1.0 - float(weights.sum())
        if abs(gap) < _TOLERANCE and _within(weights, rules, caps):
            return weights
        movable = ~pinned if gap > 0 else weights > low + _TOLERANCE
        if not movable.any() or float(weights[movable].sum()) <= 0:
            break
        weights[movable] += gap * weights[movable] / float(weights[movable].sum())
    raise ValidationError(
        "the constraints leave no weights that sum to 1: relax max_weight or the sector caps"
    )


def _within(weights: pd.Series[float], rules: WeightConstraints, caps: _SectorCaps | None) -> bool:
    return not _violations(weights, rules, caps)


def _violations(
    weights: pd.Series[float], rules: WeightConstraints, caps: _SectorCaps | None
) -> list[str]:
    problems = [
        f"{symbol} {weight:.4f} outside {rules.min_weight:g}..{rules.max_weight:g}"
        for symbol, weight in weights.items()
        if not rules.min_weight - _TOLERANCE <= weight <= rules.max_weight + _TOLERANCE
    ]
    if caps is not None:
        totals = weights.groupby(caps.labels.to_numpy()).sum()
        problems += [
            f"sector {sector} {totals[sector]:.4f} > {cap:g}"
            for sector, cap in caps.caps.items()
            if totals.get(sector, 0.0) > cap + _TOLERANCE
        ]
    if abs(float(weights.sum()) - 1.0) > 1e-6:
        problems.append(f"weights sum to {float(weights.sum()):.6f}, not 1")
    return problems


def _require_within(
    weights: pd.Series[float], rules: WeightConstraints, caps: _SectorCaps | None
) -> None:
    problems = _violations(weights, rules, caps)
    if problems:
        raise ValidationError(f"user weights break the constraints: {'; '.join(problems)}")


def _user_weights(
    given: Mapping[str, float] | pd.Series[float] | None, symbols: list[str]
) -> pd.Series[float]:
    if given is None or len(given) == 0:
        raise ValidationError("method 'user' needs user_weights={symbol: weight}")
    weights = pd.Series(dict(given), dtype="float64")
    unknown = sorted(set(weights.index) - set(symbols))
    if unknown:
        raise ValidationError(f"user weights name symbol(s) without returns: {unknown}")
    return weights.reindex(symbols, fill_value=0.0)


def _complete_rows(returns: pd.DataFrame) -> pd.DataFrame:
    if returns.shape[1] == 0:
        raise DataError("there are no assets to allocate")
    history = returns.astype("float64").dropna(how="any")
    require_length(history, 2, name="return rows with every asset present")
    return history


def _sector_caps(
    rules: WeightConstraints, symbols: list[str], symbol_table: pd.DataFrame | None
) -> _SectorCaps | None:
    if rules.max_sector_weight is None:
        return None
    if symbol_table is None:
        raise ValidationError("sector caps need the symbol table (symbol, name, sector)")
    labels = sector_of(symbols, symbol_table)
    if isinstance(rules.max_sector_weight, Mapping):
        caps = {str(k): as_float(f"cap of {k}", v) for k, v in rules.max_sector_weight.items()}
    else:
        caps = {sector: as_float("max_sector_weight", rules.max_sector_weight) for sector in labels}
    return _SectorCaps(labels=labels, caps={s: c for s, c in caps.items() if s in set(labels)})


def _check_feasible(rules: WeightConstraints, symbols: list[str], caps: _SectorCaps | None) -> None:
    count = len(symbols)
    if count * rules.min_weight > 1 + _TOLERANCE or count * rules.max_weight < 1 - _TOLERANCE:
        raise ValidationError(
            f"{count} assets cannot sum to 1 with weights in "
            f"{rules.min_weight:g}..{rules.max_weight:g}"
        )
    if caps is not None:
        counts = caps.labels.value_counts()
        crowded = [
            sector
            for sector, cap in caps.caps.items()
            if int(counts.get(sector, 0)) * rules.min_weight > cap + _TOLERANCE
        ]
        if crowded:
            raise ValidationError(
                f"sector(s) {crowded} hold too many assets for min_weight "
                f"{rules.min_weight:g} under their cap"
            )
        reachable = sum(
            min(caps.caps.get(str(sector), 1.0), int(n) * rules.max_weight)
            for sector, n in counts.items()
        )
        if reachable < 1 - _TOLERANCE:
            raise ValidationError(
                f"the sector caps allow at most {reachable:.4f} in total; weights must sum to 1"
            )
