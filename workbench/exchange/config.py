"""How one exchange runs: where it keeps its books, which history it replays, how fast."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from workbench.exchange.matching.config import MatchingConfig

__all__ = ["DEFAULT_MAX_ACCOUNTS", "DEFAULT_MAX_BODY_BYTES", "DEFAULT_RATE_LIMIT", "ExchangeConfig"]

#: Alpaca's limit per account on the Trading API, requests per minute
DEFAULT_RATE_LIMIT = 200
#: accounts one exchange opens for new keys before it refuses more (403)
DEFAULT_MAX_ACCOUNTS = 100
#: the largest request body accepted (413 past it); Alpaca's requests are well under 2 KB
DEFAULT_MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExchangeConfig:
    """``start``: a session date (the replay opens one minute before its open bell) or an exact
    instant; ignored when the store already holds a clock (a restart resumes where it stopped)
    unless ``reset``. ``speed``: simulated seconds per real second (0: only admin steps move it).
    ``timeframe``: the lake's bars the engine fills against (1d, 1m, 5m, 30m...).
    ``api_keys``: accepted key id -> secret; None accepts any non-empty pair and gives each new
    key id its own account (its secret is then bound to it). ``rate_limit``: requests per minute
    per key, None for no limit. ``max_accounts``: how many accounts new keys may open (each
    new key id opens one), past it a new key gets 403. ``admin_key``: the bearer token the
    ``/admin`` routes require; None makes a random one for this run (``Exchange.admin_key``).
    It is never a trading key. ``max_body_bytes``: the largest request body (413 past it).
    """

    db_path: Path
    start: date | datetime | None = None
    speed: float = 0.0
    timeframe: str = "1d"
    api_keys: Mapping[str, str] | None = None
    rate_limit: int | None = DEFAULT_RATE_LIMIT
    reset: bool = False
    admin: bool = True
    admin_key: str | None = None
    max_accounts: int = DEFAULT_MAX_ACCOUNTS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    stream_poll: float = 0.1  # seconds between the market-data stream's looks at the clock
    matching: MatchingConfig = field(default_factory=MatchingConfig)
