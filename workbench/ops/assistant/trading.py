"""The assistant's trading tools: preview (with a confirmation token), confirmed submit,
cancel, and the trading state. Everything acts as ``mcp:<username>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workbench.model.plain import to_plain
from workbench.ops import trade
from workbench.ops.assistant.calls import Answer
from workbench.ops.assistant.orders import confirmed_submit, preview_with_token

if TYPE_CHECKING:
    from workbench.model import OrderRequest
    from workbench.runtime import Runtime

__all__ = ["cancel", "preview", "set_state", "submit"]


def preview(rt: Runtime, request: OrderRequest, *, actor: str) -> Answer:
    seen = preview_with_token(rt, request, actor=actor)
    decision = seen.decision.to_dict()
    body = {
        "order": seen.order,
        "risk": decision,
        "last_price": seen.last_price,
        "estimated_value": seen.estimated_value,
        "estimated_cost": seen.estimated_cost,
        "cost_bps": seen.cost_bps,
        "confirmation_token": seen.confirmation_token,
        "expires_at": seen.expires_at,
    }
    what = f"{request.side} {request.qty or ('$' + str(request.notional))} {request.symbol}"
    if seen.confirmation_token is None:
        summary = f"refused by the risk gate ({decision['rule']}): {decision['reason']}"
    else:
        summary = (
            f"{what} {request.type}: approved by all {len(decision['checks'])} risk checks, "
            f"estimated value {seen.estimated_value}, cost {seen.estimated_cost}; submit with "
            f"confirmation_token before {to_plain(seen.expires_at)}"
        )
    return Answer(summary, body)


def submit(rt: Runtime, request: OrderRequest, token: str, *, actor: str) -> Answer:
    result = confirmed_submit(rt, request, token, actor=actor)
    order = result.order
    summary = (
        f"order {order.id} ({order.client_order_id}) {order.side} {order.symbol}: "
        f"{order.status}, filled {order.filled_qty}"
        + (f" at {order.filled_avg_price}" if order.filled_avg_price is not None else "")
    )
    return Answer(result.message or summary, result.to_dict())


def cancel(rt: Runtime, reference: str, *, actor: str) -> Answer:
    order = trade.cancel(rt, reference, actor=actor)
    return Answer(f"order {order.id}: {order.status}", order)


def set_state(
    rt: Runtime, state: Literal["halt", "reduce", "resume"], reason: str | None, *, actor: str
) -> Answer:
    changes = {"halt": trade.halt, "reduce": trade.reduce, "resume": trade.resume}[state](
        rt, actor=actor, reason=reason
    )
    return Answer(f"{state}: {len(changes)} accounts changed", changes)
