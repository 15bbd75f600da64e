"""Connection settings of the Alpaca adapters, built from ``workbench.core.config``."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.config import AlpacaSettings
from workbench.core.errors import ConfigError

__all__ = ["AlpacaConfig"]


@dataclass(frozen=True)
class AlpacaConfig:
    api_key: str
    secret_key: str
    url: str
    data_url: str
    feed: str = "iex"
    #: alpaca-py's own retry on 429/504, per request (it re-sends the same page)
    retry_attempts: int = 3
    retry_wait_s: float = 3.0
    #: our backoff once alpaca-py gives up on a 429: only for reads, which are safe to repeat
    backoff_attempts: int = 3
    backoff_base_s: float = 2.0

    @classmethod
    def from_settings(cls, settings: AlpacaSettings) -> AlpacaConfig:
        if settings.api_key is None or settings.secret_key is None:
            raise ConfigError(
                "Alpaca needs WB_ALPACA__API_KEY and WB_ALPACA__SECRET_KEY (or their _FILE forms)"
            )
        return cls(
            api_key=settings.api_key.get_secret_value(),
            secret_key=settings.secret_key.get_secret_value(),
            url=settings.url,
            data_url=settings.data_url,
            feed=settings.feed,
        )
