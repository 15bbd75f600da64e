"""The API's routers: health (``/healthz``, ``/readyz``, ``/metrics``) and everything under
``/api/v1``."""

from workbench.interfaces.api.routes import (
    admin,
    alerts,
    audit,
    auth,
    health,
    market,
    me,
    orders,
    strategies,
    trading,
    trading_state,
)

__all__ = [
    "admin",
    "alerts",
    "audit",
    "auth",
    "health",
    "market",
    "me",
    "orders",
    "strategies",
    "trading",
    "trading_state",
]
