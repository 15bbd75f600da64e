"""The built-in strategies; importing this package registers them."""

from workbench.strategy.builtins.allocation import (
    ALLOCATION_CHOICES,
    MomentumRotation,
    PeriodicRebalance,
)
from workbench.strategy.builtins.signals import (
    BollingerReversion,
    BuyAndHold,
    DonchianBreakout,
    EmaCrossover,
    RsiReversion,
    SmaCrossover,
    crossed_above,
    crossed_below,
)

__all__ = [
    "ALLOCATION_CHOICES",
    "BollingerReversion",
    "BuyAndHold",
    "DonchianBreakout",
    "EmaCrossover",
    "MomentumRotation",
    "PeriodicRebalance",
    "RsiReversion",
    "SmaCrossover",
    "crossed_above",
    "crossed_below",
]
