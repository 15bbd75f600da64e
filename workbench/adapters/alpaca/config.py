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
    #: the market-data stream (None: Alpaca's own for ``feed``) and the trading stream (None:
    #: ``url``'s host at ``/stream``, which is where Alpaca and the local exchange both serve it)
    stream_url: str | None = None
    trading_stream_url: str | None = None
    #: reconnecting a dropped stream: exponential from ``reconnect_min_s`` up to
    #: ``reconnect_max_s``, each wait drawn between half and all of it (jitter)
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.reconnect_min_s <= self.reconnect_max_s:
            raise ConfigError(
                "Alpaca reconnect delays need 0 < reconnect_min_s <= reconnect_max_s, got "
                f"{self.reconnect_min_s} and {self.reconnect_max_s}"
            )

    @property
    def trading_stream_endpoint(self) -> str:
        if self.trading_stream_url is not None:
            return self.trading_stream_url
        return (
            self.url.replace("https://", "wss://", 1).replace("http://", "ws://", 1).rstrip("/")
            + "/stream"
        )

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
            stream_url=settings.stream_url,
            trading_stream_url=settings.trading_stream_url,
        )
