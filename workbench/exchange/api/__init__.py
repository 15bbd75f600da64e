"""The exchange's HTTP faces: Alpaca's Trading API v2 (``trading``), Market Data v2
(``market_data``), the admin clock (``admin``), key auth and rate limits (``auth``) and the
error bodies (``errors``)."""

from workbench.exchange.api.auth import KeyAuthMiddleware, RateLimiter
from workbench.exchange.api.errors import install_error_handlers

__all__ = ["KeyAuthMiddleware", "RateLimiter", "install_error_handlers"]
