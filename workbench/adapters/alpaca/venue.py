"""The Alpaca venue for the runtime: brokers, the historical source and the market stream,
all pointed at ``WB_ALPACA__URL`` / ``DATA_URL`` / stream URLs (the local exchange in tests).
A part is built only when asked for, and keys are required only then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.core.errors import ConfigError

if TYPE_CHECKING:
    from workbench.adapters.alpaca.data import AlpacaHistoricalSource
    from workbench.adapters.alpaca.execution import AlpacaBroker
    from workbench.adapters.alpaca.stream import AlpacaMarketStream
    from workbench.core.config import Settings
    from workbench.core.events import EventBus
    from workbench.data import LakeBarWriter

__all__ = ["AlpacaVenue"]

_KEYS = "WB_ALPACA__API_KEY and WB_ALPACA__SECRET_KEY"


class AlpacaVenue:
    name = "alpaca"
    replays = False
    remote = True

    def __init__(self, settings: Settings, lake: Callable[[], Any]) -> None:
        self._settings = settings.alpaca

    def _config(self) -> AlpacaConfig:
        if not self._settings.has_keys:
            raise ConfigError(f"alpaca needs {_KEYS}")
        return AlpacaConfig.from_settings(self._settings)

    def problems(self) -> list[str]:
        """Keys present, and ``GET /v2/clock`` answered with them."""
        settings = self._settings
        if settings.api_key is None or settings.secret_key is None:
            return [f"alpaca needs {_KEYS}"]
        import httpx

        try:
            response = httpx.get(
                settings.url.rstrip("/") + "/v2/clock",
                headers={
                    "APCA-API-KEY-ID": settings.api_key.get_secret_value(),
                    "APCA-API-SECRET-KEY": settings.secret_key.get_secret_value(),
                },
                timeout=5,
            )
        except httpx.HTTPError as exc:
            return [f"cannot reach Alpaca at {settings.url}: {_first_line(exc)}"]
        if response.status_code in (401, 403):
            return [f"Alpaca at {settings.url} refused the keys ({response.status_code})"]
        if response.status_code >= 400:
            return [f"Alpaca at {settings.url} answered {response.status_code}"]
        return []

    def broker(self) -> AlpacaBroker:
        from workbench.adapters.alpaca.execution import AlpacaBroker

        return AlpacaBroker(self._config())

    def live_broker(self) -> AlpacaBroker:
        """A broker that listens to ``TradingStream`` (a loop lives long enough for a stream to
        pay; one-shot commands poll), with polling as the fallback."""
        from workbench.adapters.alpaca.execution import AlpacaBroker

        return AlpacaBroker(self._config(), stream=True)

    def reference_clock(self) -> Callable[[], datetime]:
        """The venue's clock from its HTTP ``Date`` header."""
        return partial(_server_time, self._settings.url)

    def historical_source(self) -> AlpacaHistoricalSource:
        from workbench.adapters.alpaca.data import AlpacaHistoricalSource

        return AlpacaHistoricalSource(self._config())

    def market_stream(
        self, bus: EventBus, *, bars_to: LakeBarWriter | None = None
    ) -> AlpacaMarketStream:
        from workbench.adapters.alpaca.stream import AlpacaMarketStream

        return AlpacaMarketStream(self._config(), bus, bars_to=bars_to)


def _server_time(url: str) -> datetime:
    """The venue's clock from its HTTP ``Date`` header (whole seconds: the drift limit is
    seconds, and the middle of the round trip is taken as its moment)."""
    from email.utils import parsedate_to_datetime

    import httpx

    began = datetime.now(UTC)
    answer = httpx.get(url, timeout=5.0)
    stamp = answer.headers.get("date")
    if stamp is None:
        raise ConfigError(f"{url} sent no Date header to compare clocks with")
    elapsed = datetime.now(UTC) - began
    return parsedate_to_datetime(stamp) + timedelta(seconds=0.5) - elapsed / 2


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
