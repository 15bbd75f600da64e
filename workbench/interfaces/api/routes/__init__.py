"""The API's routers: health (``/healthz``, ``/readyz``, ``/metrics``) and the reads under
``/api/v1``."""

from workbench.interfaces.api.routes import approvals, health, market, strategies, trading

__all__ = ["approvals", "health", "market", "strategies", "trading"]
