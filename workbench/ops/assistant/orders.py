"""Orders from an assistant are preview-then-confirm.

``preview`` asks the risk gate (nothing is written or sent) and, when the gate approves, issues
a single-use confirmation token bound to exactly that order (symbol, side, qty or notional,
type, prices, time in force, account) and expiring after ``Settings.mcp.confirmation_ttl_seconds``.
Only a SHA-256 of the token is stored (``mcp_confirmations``). ``submit`` spends the token in
one conditional UPDATE (so it is single-use across processes) and sends the order through the
OMS with a client order id derived from the token: a submit whose outcome was uncertain, tried
again, finds that order in the ledger and is never sent twice.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core.errors import AuthError, ValidationError
from workbench.execution import RiskDecision, SubmitResult
from workbench.ledger import McpConfirmationRow, OrderRow
from workbench.model import OrderRequest
from workbench.ops import trade
from workbench.ops.parity import paper_cost_bps

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["OrderPreview", "confirmed_submit", "order_terms", "preview_with_token"]

_TOKEN_PREFIX = "wbc_"  # noqa: S105  # nosec B105 # the visible start of a token


@dataclass(frozen=True)
class OrderPreview:
    order: dict[str, Any]
    decision: RiskDecision
    last_price: Decimal | None
    estimated_value: Decimal | None
    estimated_cost: Decimal | None
    cost_bps: float
    #: None when the gate refused: a refused order has nothing to confirm
    confirmation_token: str | None
    expires_at: datetime | None


def order_terms(rt: Runtime, request: OrderRequest) -> dict[str, Any]:
    """What a confirmation is bound to: every field that changes what the order does."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(value.normalize(), "f")

    return {
        "account": rt.oms.account_name,
        "symbol": request.symbol,
        "side": str(request.side),
        "qty": text(request.qty),
        "notional": text(request.notional),
        "type": str(request.type),
        "limit_price": text(request.limit_price),
        "stop_price": text(request.stop_price),
        "time_in_force": str(request.time_in_force),
    }


def preview_with_token(
    rt: Runtime, request: OrderRequest, *, actor: str, now: datetime | None = None
) -> OrderPreview:
    decision = trade.preview(rt, request, actor=actor)
    terms = order_terms(rt, request)
    last = rt.oms.context.prices([request.symbol]).get(request.symbol)
    price = request.limit_price or last
    value = _value(request, price)
    bps = paper_cost_bps() if request.type == "market" else 0.0
    cost = None if value is None else (value * Decimal(str(bps)) / 10_000).quantize(Decimal("0.01"))
    if not decision.approved:
        return OrderPreview(terms, decision, last, value, cost, bps, None, None)
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    moment = now or datetime.now(UTC)
    expires = moment + timedelta(seconds=rt.settings.mcp.confirmation_ttl_seconds)
    with rt.ledger.session() as session:
        session.add(
            McpConfirmationRow(
                token_hash=_digest(token),
                order_digest=_digest(json.dumps(terms, sort_keys=True)),
                order=terms,
                actor=actor,
                client_order_id=_client_order_id(token),
                expires_at=expires,
                created_at=moment,
            )
        )
    return OrderPreview(terms, decision, last, value, cost, bps, token, expires)


def confirmed_submit(
    rt: Runtime,
    request: OrderRequest,
    token: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> SubmitResult:
    """Spend ``token`` and submit ``request``, which must be exactly the previewed order."""
    moment = now or datetime.now(UTC)
    terms = order_terms(rt, request)
    digest = _digest(token.strip())
    with rt.ledger.session() as session:
        row = session.scalar(
            sa.select(McpConfirmationRow).where(McpConfirmationRow.token_hash == digest)
        )
        if row is None:
            raise AuthError("unknown confirmation token: preview the order to get one")
        if row.actor != actor:
            raise AuthError("this confirmation token was issued to another caller")
        if row.used_at is not None:
            raise AuthError(f"confirmation token already used: {_outcome(rt, row.client_order_id)}")
        if row.expires_at <= moment:
            raise AuthError("confirmation token expired: preview the order again")
        if row.order_digest != _digest(json.dumps(terms, sort_keys=True)):
            changed = [k for k, v in terms.items() if row.order.get(k) != v]
            raise ValidationError(
                f"the order differs from the one previewed ({', '.join(changed)}): "
                "preview the changed order to get a token for it"
            )
        spent = session.execute(
            sa.update(McpConfirmationRow)
            .where(McpConfirmationRow.id == row.id, McpConfirmationRow.used_at.is_(None))
            .values(used_at=moment)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise AuthError("confirmation token already used by a concurrent submit")
        client_order_id = row.client_order_id
    return trade.submit(rt, replace(request, client_order_id=client_order_id), actor=actor)


def _outcome(rt: Runtime, client_order_id: str) -> str:
    with rt.ledger.session(read_only=True) as session:
        row = session.scalar(sa.select(OrderRow).where(OrderRow.client_order_id == client_order_id))
    if row is None:
        return f"no order {client_order_id} reached the ledger; preview again"
    return f"it submitted order {row.id} ({client_order_id}), now {row.status}; nothing sent again"


def _value(request: OrderRequest, price: Decimal | None) -> Decimal | None:
    if request.notional is not None:
        return request.notional
    if request.qty is None or price is None:
        return None
    return (request.qty * price).quantize(Decimal("0.01"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _client_order_id(token: str) -> str:
    return "wb-mcp-" + hashlib.sha256(b"client-order-id:" + token.encode()).hexdigest()[:32]
