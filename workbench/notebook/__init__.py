"""Floor 7: what notebooks and Voila dashboards share beyond ``workbench.ops`` - the role a
dashboard acts with, and small HTML views whose values tests and people can read.

Importing it defers ``nbformat`` in the kernel (``workbench.core.lazy.defer_module``): plotly's
renderers import it with the first ``FigureWidget``, and through jsonschema it builds some forty
Lark grammars, about 2 s of a dashboard's first render for a module no figure widget reads
(it loads for real on the first read of one of its attributes)."""

from workbench.core.lazy import defer_module
from workbench.notebook.dashboard import (
    OrderOutcome,
    dashboard_role,
    frame_of,
    may_trade,
    metrics_html,
    submit_orders,
    table_html,
)

defer_module("nbformat")

__all__ = [
    "OrderOutcome",
    "dashboard_role",
    "frame_of",
    "may_trade",
    "metrics_html",
    "submit_orders",
    "table_html",
]
