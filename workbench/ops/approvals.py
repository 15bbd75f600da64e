"""Use cases of the orders held for a trader's approval (``risk.actors.<kind>.require_approval``:
an AI assistant's orders, docs/risk.md): list them, approve one (the gate checks it again, then
it is sent with its own client order id), reject one with a reason.

The faces allow these to a role with the ``trade`` permission; an actor whose own orders need
approval (``mcp:...``) may not decide any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.execution import OrderView, SubmitResult
from workbench.execution.approvals import HeldOrder
from workbench.ops.trade import settle

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["HeldOrder", "approve", "held", "reject"]


def held(rt: Runtime) -> list[HeldOrder]:
    """The configured account's orders waiting for approval, oldest first; those past their
    deadline are ended ``expired`` first."""
    return rt.oms.held_orders()


def approve(rt: Runtime, reference: str, *, actor: str) -> SubmitResult:
    """Send a held order (by ledger id or client order id) if the gate passes it now; raises
    ``RiskRejected`` naming the rule (and the order stays held) if not."""
    return settle(rt, rt.oms.approve(reference, actor=actor), actor=actor)


def reject(rt: Runtime, reference: str, *, actor: str, reason: str) -> OrderView:
    """End a held order ``rejected`` with ``reason``; nothing is sent."""
    return rt.oms.reject_held(reference, actor=actor, reason=reason)
