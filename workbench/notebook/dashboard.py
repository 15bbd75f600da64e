"""The identity a dashboard acts with, orders it submits through the risk gate, and HTML views.

A Voila dashboard has no login: it acts with the role the server was started with
(``WB_DASHBOARD_ROLE``, or the notebook's ``role`` parameter under papermill; viewer when
neither is set). A page may ask for a lesser role (``?role=viewer``, which Voila hands the
kernel as ``QUERY_STRING``) to show what a viewer sees; it can never raise its role.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from workbench.core.errors import PermissionDenied, ValidationError, WorkbenchError
from workbench.model import Role
from workbench.model.roles import Permission, can

if TYPE_CHECKING:
    import pandas as pd

    from workbench.model import OrderRequest
    from workbench.runtime import Runtime

__all__ = [
    "OrderOutcome",
    "dashboard_role",
    "frame_of",
    "may_trade",
    "metrics_html",
    "submit_orders",
    "table_html",
]

ROLE_VARIABLE = "WB_DASHBOARD_ROLE"
_RANK = {Role.VIEWER: 0, Role.ANALYST: 1, Role.TRADER: 2, Role.ADMIN: 3}


def dashboard_role(configured: str | None = None, query: str | None = None) -> Role:
    """``configured`` (else ``WB_DASHBOARD_ROLE``, else viewer), lowered - never raised - by a
    ``role=`` in ``query`` (else Voila's ``QUERY_STRING``)."""
    granted = _role(configured or os.environ.get(ROLE_VARIABLE) or Role.VIEWER.value)
    asked = parse_qs(query if query is not None else os.environ.get("QUERY_STRING", ""))
    wanted = asked.get("role", [])
    if not wanted:
        return granted
    lesser = _role(wanted[-1])
    return lesser if _RANK[lesser] <= _RANK[granted] else granted


def may_trade(role: Role | str) -> bool:
    return can(role, Permission.TRADE)


@dataclass(frozen=True)
class OrderOutcome:
    symbol: str
    side: str
    qty: Decimal | None
    accepted: bool
    #: the order's status, or why the risk gate (or the broker) refused it
    message: str
    order_id: int | None


def submit_orders(
    rt: Runtime, requests: Iterable[OrderRequest], *, role: Role | str, actor: str
) -> list[OrderOutcome]:
    """Each order through ``ops.trade.submit`` (the risk gate, then the broker), in turn; a
    refused order is reported and the rest still go. A role without trade is refused whole."""
    from workbench.ops import trade  # the ledger and the broker: only a page that trades

    if not may_trade(role):
        raise PermissionDenied(f"the dashboard's role {Role(role).value} may not trade")
    outcomes = []
    for request in requests:
        try:
            # a rebalance by hand, not a strategy's order: the actor says it came from here
            result = trade.submit(rt, request, actor=actor)
        except WorkbenchError as error:
            outcomes.append(
                OrderOutcome(
                    request.symbol, request.side.value, request.qty, False, error.message, None
                )
            )
            continue
        order = result.order
        message = order.status if result.accepted else (order.reason or order.status)
        outcomes.append(
            OrderOutcome(order.symbol, order.side, order.qty, result.accepted, message, order.id)
        )
    return outcomes


def frame_of(items: Iterable[Any], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Dataclass records (positions, orders, alerts, outcomes) as a frame; Decimals become
    floats for display, enums their values."""
    import dataclasses

    import pandas as pd

    rows = [
        {key: _cell(value) for key, value in dataclasses.asdict(item).items()} for item in items
    ]
    return pd.DataFrame(rows, columns=None if columns is None else list(columns))


def metrics_html(values: Mapping[str, Any]) -> str:
    """Key figures as labelled boxes; each carries ``data-key`` and its raw value in
    ``data-value``, so a test (or a scraper) reads exactly what ops computed."""
    boxes = "".join(
        f'<div class="wb-metric" data-key="{html.escape(key)}" '
        f'data-value="{html.escape(str(value))}">'
        f'<div class="wb-label">{html.escape(key.replace("_", " "))}</div>'
        f'<div class="wb-value">{html.escape(_shown(value))}</div></div>'
        for key, value in values.items()
    )
    style = (
        "<style>.wb-metrics{display:flex;flex-wrap:wrap;gap:.5rem}.wb-metric{border:1px solid #ccc;"
        "border-radius:4px;padding:.4rem .7rem;min-width:8rem}.wb-label{font-size:.8em;color:#555}"
        ".wb-value{font-size:1.2em;font-weight:600}.wb-table{overflow-x:auto;max-width:100%}</style>"
    )
    return f'{style}<div class="wb-metrics">{boxes}</div>'


def table_html(frame: pd.DataFrame, *, name: str, digits: int = 4) -> str:
    """A frame as an HTML table in a box that scrolls sideways on a phone."""
    body = frame.to_html(float_format=lambda x: f"{x:,.{digits}f}", border=0, na_rep="")
    return f'<div class="wb-table" data-table="{html.escape(name)}">{body}</div>'


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown dashboard role {value!r}; roles: {roles}") from None


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return getattr(value, "value", value) if isinstance(value, Enum) else value


def _shown(value: Any) -> str:
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return str(value)
