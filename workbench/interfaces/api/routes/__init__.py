"""The API's routers: health (``/healthz``, ``/readyz``, ``/metrics``) and the reads under
``/api/v1``."""

from workbench.interfaces.api.routes import (
    analysis,
    health,
    market,
    reports,
    runs,
    strategies,
    strategy_runs,
    trading,
)

__all__ = [
    "analysis",
    "health",
    "market",
    "reports",
    "runs",
    "strategies",
    "strategy_runs",
    "trading",
]
