"""A ledger account's opening balance: the broker's cash and positions when first linked.

From then on the ledger books every change itself, and reconciliation compares the two.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from workbench.ledger import AccountRow, CashMovementRow, PositionRow, append_audit
from workbench.model import Account, Position

__all__ = ["open_books"]


def open_books(
    session: Session,
    account: AccountRow,
    snapshot: Account,
    positions: list[Position],
    at: datetime,
) -> None:
    if snapshot.cash:
        session.add(
            CashMovementRow(
                account_id=account.id,
                amount=snapshot.cash,
                kind="deposit",
                reference="opening-balance",
                description=f"cash at {account.broker} when the ledger first linked it",
                occurred_at=at,
            )
        )
    for position in positions:
        session.add(
            PositionRow(
                account_id=account.id,
                symbol=position.symbol,
                qty=position.qty,
                avg_entry_price=position.avg_entry_price,
                realized_pl=Decimal(0),
                opened_at=at,
            )
        )
    append_audit(
        session,
        kind="account.opened",
        actor="system",
        payload={
            "at": at.isoformat(),
            "account": account.name,
            "broker": account.broker,
            "broker_account_id": snapshot.id,
            "cash": str(snapshot.cash),
            "positions": {p.symbol: str(p.qty) for p in positions},
        },
    )
    session.flush()
