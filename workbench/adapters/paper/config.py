"""Settings of the paper broker: which bars it fills against, where its clock starts, the fill
model (the exchange's ``MatchingConfig``, so paper and exchange fill alike) and opening cash."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from workbench.exchange.matching.config import MatchingConfig

__all__ = ["PaperConfig"]


@dataclass(frozen=True)
class PaperConfig:
    """``start``: a session date (the clock stands one minute before its open bell) or an exact
    instant; None stands it one minute before the open of the last session in the lake, so a
    market order fills at that session's open. ``cash``: None is ``matching.initial_cash``."""

    timeframe: str = "1d"
    start: date | datetime | None = None
    cash: Decimal | None = None
    matching: MatchingConfig = field(default_factory=MatchingConfig)
