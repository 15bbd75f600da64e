"""The API's routers: health (``/healthz``, ``/readyz``, ``/metrics``) and everything under
``/api/v1``."""

from workbench.interfaces.api.routes import (
    admin,
    alerts,
    analysis,
    approvals,
    audit,
    auth,
    health,
    jobs,
    market,
    me,
    orders,
    reports,
    runs,
    strategies,
    strategy_runs,
    trading,
    trading_state,
)

__all__ = [
    "admin",
    "alerts",
    "analysis",
    "approvals",
    "audit",
    "auth",
    "health",
    "jobs",
    "market",
    "me",
    "orders",
    "reports",
    "runs",
    "strategies",
    "strategy_runs",
    "trading",
    "trading_state",
]
