"""How a backtest trades: cash, costs, execution, sizing, stops, direction, cash sharing.

Every field is checked when the config is built, so a bad value fails before anything runs,
with a message that names the field.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal, get_args

from workbench.core.errors import ValidationError

__all__ = ["BacktestConfig", "Direction", "Execution", "Sizing", "SizingMethod"]

Execution = Literal["next_open", "close"]
Direction = Literal["long", "short", "both"]
SizingMethod = Literal["percent", "value", "shares", "vol_target"]


@dataclass(frozen=True, slots=True)
class Sizing:
    """How big a signal strategy's position is when it opens (allocation strategies size by
    their weights).

    - ``percent``: ``size`` is the fraction of equity per position; None splits equity in
      equal slices, one per symbol (the whole sleeve without cash sharing).
    - ``value``: ``size`` in cash per position.
    - ``shares``: ``size`` shares per position.
    - ``vol_target``: the position's weight is ``target_vol`` over the symbol's realised
      volatility over ``vol_window`` bars (annualised), times the equal slice, capped at
      ``max_weight``.

    Positions are sized once, at entry, and left to drift until they close.
    """

    method: SizingMethod = "percent"
    size: float | None = None
    target_vol: float = 0.15
    vol_window: int = 20
    max_weight: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in get_args(SizingMethod):
            raise ValidationError(
                f"sizing must be one of {', '.join(get_args(SizingMethod))}, got {self.method!r}"
            )
        if self.size is not None and not _positive(self.size):
            raise ValidationError(f"sizing size must be a positive number, got {self.size!r}")
        if self.method in ("value", "shares") and self.size is None:
            raise ValidationError(f"{self.method} sizing needs a size")
        if not _positive(self.target_vol):
            raise ValidationError(f"target_vol must be positive, got {self.target_vol!r}")
        if isinstance(self.vol_window, bool) or not isinstance(self.vol_window, int):
            raise ValidationError(f"vol_window must be an integer, got {self.vol_window!r}")
        if self.vol_window < 2:
            raise ValidationError(f"vol_window must be at least 2, got {self.vol_window}")
        if not _positive(self.max_weight):
            raise ValidationError(f"max_weight must be positive, got {self.max_weight!r}")


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """``fees`` is a fraction of traded value (0.001 = 10 bp) and ``fee_per_share`` a cash
    amount per share, both charged on every fill. ``slippage`` moves every fill price against
    the trade by that fraction. ``execution="next_open"`` (the default) fills a signal decided
    at a bar's close at the next bar's open, so nothing trades on a price it used to decide;
    ``"close"`` fills at the deciding bar's close. Stops are fractions of the entry fill price
    (``stop_loss=0.05`` exits a long 5 % below it). ``direction="short"`` reads a strategy's
    entries and exits as short ones unless it gives short signals of its own; ``"both"`` takes
    the strategy's short signals, or else turns an exit into a reversal to short. With
    ``cash_sharing`` all symbols draw on one cash balance; without, each symbol trades its own
    equal sleeve of ``initial_cash``. ``benchmark`` names the symbol the result is compared to.
    """

    initial_cash: float = 100_000.0
    fees: float = 0.0
    fee_per_share: float = 0.0
    slippage: float = 0.0
    execution: Execution = "next_open"
    sizing: Sizing = field(default_factory=Sizing)
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop: float | None = None
    direction: Direction = "long"
    cash_sharing: bool = True
    benchmark: str | None = "^GSPC"

    def __post_init__(self) -> None:
        if not _positive(self.initial_cash):
            raise ValidationError(f"initial_cash must be positive, got {self.initial_cash!r}")
        for name in ("fees", "fee_per_share", "slippage"):
            value = getattr(self, name)
            if not _number(value) or not 0.0 <= value < (
                math.inf if name == "fee_per_share" else 1
            ):
                limit = "0 or more" if name == "fee_per_share" else "in [0, 1)"
                raise ValidationError(f"{name} must be a number {limit}, got {value!r}")
        for name in ("stop_loss", "take_profit", "trailing_stop"):
            value = getattr(self, name)
            if value is not None and (
                not _positive(value) or (name != "take_profit" and value >= 1)
            ):
                limit = "positive" if name == "take_profit" else "in (0, 1)"
                raise ValidationError(f"{name} must be {limit} (a fraction), got {value!r}")
        if self.execution not in get_args(Execution):
            raise ValidationError(f"execution must be next_open or close, got {self.execution!r}")
        if self.direction not in get_args(Direction):
            raise ValidationError(f"direction must be long, short or both, got {self.direction!r}")
        if not isinstance(self.sizing, Sizing):
            raise ValidationError("sizing must be a workbench.strategy.Sizing")

    @property
    def lag(self) -> int:
        """Bars between the decision and the fill."""
        return 1 if self.execution == "next_open" else 0

    @property
    def has_stops(self) -> bool:
        return any(v is not None for v in (self.stop_loss, self.take_profit, self.trailing_stop))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BacktestConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"unknown backtest setting(s) {unknown}; valid: {sorted(known)}")
        values = dict(data)
        sizing = values.pop("sizing", None)
        config = cls(**values)
        if sizing is not None:
            config = replace(
                config, sizing=sizing if isinstance(sizing, Sizing) else Sizing(**sizing)
            )
        return config


def _number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _positive(value: object) -> bool:
    return _number(value) and float(value) > 0  # type: ignore[arg-type]
