"""Limit checks the execution risk gate and the alert rules call: pure functions of numbers
they already hold, returning how much of the limit is used and whether it is breached.

Limits are positive fractions (``max_drawdown=0.2`` is 20 % below the peak) or, for an
absolute loss limit, money. Utilisation is value / limit: 0 at no loss, 1 at the limit;
a gain is no use of a loss limit (utilisation 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._checks import as_float, as_series, json_safe
from workbench.core.errors import DataError, ValidationError

__all__ = ["LimitCheck", "drawdown_limit_check", "loss_limit_check"]

Number = float | int | Decimal


@dataclass(frozen=True, slots=True)
class LimitCheck:
    rule: str
    value: float
    limit: float
    utilisation: float
    breached: bool
    #: utilisation at or above the ``warn_at`` level, or breached
    warning: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def drawdown_limit_check(
    equity: pd.Series[float] | list[float] | list[Decimal],
    *,
    max_drawdown: Number,
    warn_at: Number = 0.8,
) -> LimitCheck:
    """The latest equity's distance below its running peak, against ``max_drawdown``."""
    limit = _limit("max_drawdown", max_drawdown)
    curve = as_series(
        pd.Series([float(v) for v in equity]) if isinstance(equity, list) else equity,
        name="equity",
    )
    if (curve <= 0).any():
        raise DataError("equity must stay positive to measure a drawdown")
    peak = float(np.max(curve.to_numpy()))
    drawdown = 1.0 - float(curve.iloc[-1]) / peak
    return _check("drawdown", drawdown, limit, warn_at, unit="fraction")


def loss_limit_check(
    *,
    start_equity: Number,
    current_equity: Number,
    max_loss: Number,
    relative: bool = True,
    warn_at: Number = 0.8,
) -> LimitCheck:
    """The loss since ``start_equity`` (the day's open, say) against ``max_loss``: a fraction
    of ``start_equity`` when ``relative``, money otherwise."""
    start = as_float("start_equity", start_equity)
    current = as_float("current_equity", current_equity)
    limit = _limit("max_loss", max_loss)
    if relative and not start > 0:
        raise DataError(f"start_equity must be positive for a relative loss limit, got {start:g}")
    loss = start - current
    value = loss / start if relative else loss
    return _check("loss", value, limit, warn_at, unit="fraction" if relative else "money")


def _limit(name: str, value: Number) -> float:
    limit = as_float(name, value)
    if not limit > 0:
        raise ValidationError(f"{name} must be positive (a loss of 0.2 is 20 %), got {value!r}")
    return limit


def _check(rule: str, value: float, limit: float, warn_at: Number, *, unit: str) -> LimitCheck:
    level = as_float("warn_at", warn_at)
    if not 0 < level <= 1:
        raise ValidationError(f"warn_at must be in (0, 1], got {warn_at!r}")
    utilisation = max(value, 0.0) / limit
    # at the limit is a breach, also when rounding leaves 0.19999999999999996 of a 0.2 limit
    breached = value > limit or math.isclose(value, limit, rel_tol=1e-12)
    shown = f"{value:.2%} of {limit:.2%}" if unit == "fraction" else f"{value:,.2f} of {limit:,.2f}"
    state = "breached" if breached else "warning" if utilisation >= level else "ok"
    return LimitCheck(
        rule=rule,
        value=value,
        limit=limit,
        utilisation=utilisation,
        breached=breached,
        warning=breached or utilisation >= level,
        message=f"{rule} limit {state}: {shown} ({utilisation:.0%} used)",
    )
