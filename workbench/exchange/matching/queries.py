"""Listing orders the way Alpaca's ``GET /v2/orders`` does (alpaca_api.md 2.3)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Literal

from workbench.exchange.matching.errors import InvalidOrder
from workbench.exchange.matching.tickets import Ticket
from workbench.model import OrderSide

__all__ = ["MAX_ORDERS", "select_orders"]

MAX_ORDERS = 500
StatusFilter = Literal["open", "closed", "all"]


def select_orders(
    tickets: Iterable[Ticket],
    *,
    status: StatusFilter = "open",
    limit: int = 50,
    after: datetime | None = None,
    until: datetime | None = None,
    direction: Literal["asc", "desc"] = "desc",
    side: OrderSide | None = None,
    symbols: Collection[str] | None = None,
    nested: bool = False,
) -> list[Ticket]:
    """``after`` is exclusive and ``until`` inclusive, on submission time; ``nested`` leaves
    bracket legs out of the list (the caller shows them under their parent)."""
    if not 0 < limit <= MAX_ORDERS:
        raise InvalidOrder(f"limit must be between 1 and {MAX_ORDERS}")
    wanted = set(symbols) if symbols else None
    chosen = [
        t
        for t in tickets
        if (status == "all" or (status == "open") == t.is_open)
        and (after is None or t.submitted_at > after)
        and (until is None or t.submitted_at <= until)
        and (side is None or t.request.side is side)
        and (wanted is None or t.symbol in wanted)
        and not (nested and t.parent_id is not None)
    ]
    chosen.sort(key=lambda t: (t.submitted_at, t.seq), reverse=direction == "desc")
    return chosen[:limit]
