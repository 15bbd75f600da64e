"""The fill model's knobs, in one frozen record the engine and the paper broker share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workbench.core.errors import ConfigError

__all__ = ["MatchingConfig"]


@dataclass(frozen=True, slots=True)
class MatchingConfig:
    """How orders meet bars.

    * ``spread_bps``: full width of the derived quote around the last trade (market.py).
    * ``slippage_bps``: what a market order (or a triggered stop) pays beyond half the spread,
      on top of the bar's open. Limit prices are never crossed by slippage.
    * ``max_volume_share``: the share of a bar's volume one symbol's orders may take, in time
      priority; the rest of an order waits for later bars (partial fills).
    * ``market_collar``: the buffer over the ask (under the bid for shorts) a market order
      reserves against buying power at submission, as Alpaca's far-side-of-the-book collar.
    * ``initial_cash``: a new account's cash (Alpaca paper: $100,000).
    * ``gtc_days``: GTC orders expire this many calendar days after submission (Alpaca: 90).
    """

    spread_bps: Decimal = Decimal(2)
    slippage_bps: Decimal = Decimal(1)
    max_volume_share: Decimal = Decimal("0.1")
    market_collar: Decimal = Decimal("0.03")
    initial_cash: Decimal = Decimal(100_000)
    gtc_days: int = 90

    def __post_init__(self) -> None:
        for name in ("spread_bps", "slippage_bps", "max_volume_share", "market_collar"):
            value = Decimal(getattr(self, name))
            if value < 0:
                raise ConfigError(f"{name} must not be negative, got {value}")
            object.__setattr__(self, name, value)
        if not Decimal(0) < self.max_volume_share <= 1:
            raise ConfigError(f"max_volume_share must be in (0, 1], got {self.max_volume_share}")
        object.__setattr__(self, "initial_cash", Decimal(self.initial_cash))
