"""The API's routers: health (``/healthz``, ``/readyz``, ``/metrics``) and the reads under
``/api/v1``, and the WebSockets (``/ws``)."""

from workbench.interfaces.api.routes import health, market, strategies, trading, ws

__all__ = ["health", "market", "strategies", "trading", "ws"]
