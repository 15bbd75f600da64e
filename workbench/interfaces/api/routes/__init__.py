"""The API's routers: health (``/healthz``, ``/readyz``, ``/metrics``) and the reads under
``/api/v1``."""

from workbench.interfaces.api.routes import health, jobs, market, strategies, trading

__all__ = ["health", "jobs", "market", "strategies", "trading"]
