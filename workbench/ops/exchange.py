"""Use cases of the local exchange: serve it over the lake under the workbench home."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from workbench.core.errors import DataError
from workbench.model import validate_period

if TYPE_CHECKING:
    from workbench.exchange.config import ExchangeConfig
    from workbench.runtime import Runtime

__all__ = ["exchange_config", "serve_exchange"]


def exchange_config(
    runtime: Runtime,
    *,
    start: str | None = None,
    speed: float = 0.0,
    timeframe: str = "1d",
    reset: bool = False,
) -> ExchangeConfig:
    """The exchange's settings: its books in ``<home>/exchange/exchange.db``."""
    from workbench.exchange.config import ExchangeConfig

    first = None
    if start is not None:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            raise DataError(f"--start must be YYYY-MM-DD, got {start!r}") from None
        validate_period(first, None)
    config = ExchangeConfig(db_path=runtime.settings.home / "exchange" / "exchange.db")
    return replace(config, start=first, speed=speed, timeframe=timeframe, reset=reset)


def serve_exchange(
    runtime: Runtime, config: ExchangeConfig, *, host: str = "127.0.0.1", port: int = 8765
) -> None:
    """Serve until interrupted; a NotFound with the load-sample hint when the lake is empty."""
    from workbench.exchange.server import serve
    from workbench.exchange.service import Exchange

    serve(Exchange(runtime.data, config), host=host, port=port)
