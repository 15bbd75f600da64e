"""Floor 7: what notebooks and Voila dashboards share beyond ``workbench.ops`` - the role a
dashboard acts with, and small HTML views whose values tests and people can read."""

from workbench.notebook.dashboard import (
    OrderOutcome,
    dashboard_role,
    frame_of,
    may_trade,
    metrics_html,
    submit_orders,
    table_html,
)

__all__ = [
    "OrderOutcome",
    "dashboard_role",
    "frame_of",
    "may_trade",
    "metrics_html",
    "submit_orders",
    "table_html",
]
