"""The ledger's tables as frames, filtered by date, account and run: what the execution,
holdings and alerts reports read, and what ``workbench report export`` writes.

Dates are New York session dates, inclusive: ``start`` begins at midnight in New York and
``end`` runs to the midnight after it. Money and quantities arrive as floats (as the exact
Decimals the ledger holds with ``exact=True``, for JSON exports), enums as their values,
timestamps as UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import pandas as pd

from workbench.core.errors import NotFound, ValidationError
from workbench.model import validate_period

if TYPE_CHECKING:
    import sqlalchemy as sa

    from workbench.ledger import Ledger

__all__ = ["EXPORT_TABLES", "LedgerFilter", "ledger_frame", "utc_bounds"]

NEW_YORK = ZoneInfo("America/New_York")
#: what ``report export`` offers, and the column its date filter reads (orders: when sent,
#: else when the OMS recorded its intent, on the venue's clock)
EXPORT_TABLES: Final[Mapping[str, str]] = {
    "orders": "submitted_at",
    "order_events": "occurred_at",
    "fills": "filled_at",
    "positions": "updated_at",
    "cash_movements": "occurred_at",
    "audit": "created_at",
    "alerts": "raised_at",
    "runs": "started_at",
    "reports": "created_at",
}


class LedgerFilter:
    """Which rows: a date range (New York dates, inclusive), one account, one run."""

    def __init__(
        self,
        *,
        start: date | None = None,
        end: date | None = None,
        account_id: int | None = None,
        run_id: int | None = None,
    ) -> None:
        if start is not None and end is not None and end < start:
            raise ValidationError(f"the period ends ({end}) before it starts ({start})")
        validate_period(start, end)
        self.start, self.end = start, end
        self.account_id, self.run_id = account_id, run_id


def utc_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[from, to) in UTC for New York dates ``start``..``end`` inclusive."""
    lower = None if start is None else datetime.combine(start, time(), NEW_YORK)
    upper = None if end is None else datetime.combine(end + timedelta(days=1), time(), NEW_YORK)
    return lower, upper


def ledger_frame(
    ledger: Ledger, table: str, where: LedgerFilter | None = None, *, exact: bool = False
) -> pd.DataFrame:
    """The rows of ledger table ``table`` (a name of ``EXPORT_TABLES``) that ``where`` picks,
    oldest first; ``exact`` keeps money and quantities as Decimals."""
    import sqlalchemy as sa

    if table not in EXPORT_TABLES:
        raise NotFound(f"no ledger table {table!r} to export; tables: {', '.join(EXPORT_TABLES)}")
    chosen = where or LedgerFilter()
    model = _models()[table]
    columns = list(model.__table__.columns)
    query = sa.select(*columns)
    stamp: Any = model.__table__.columns[EXPORT_TABLES[table]]
    if table == "orders":
        # an order never sent (refused by the risk gate) dates from its first event, stamped
        # on the venue's clock: in a replayed run the row's created_at is today's wall clock
        from workbench.ledger import OrderEventRow

        first_event = (
            sa.select(sa.func.min(OrderEventRow.occurred_at))
            .where(OrderEventRow.order_id == model.__table__.columns["id"])
            .scalar_subquery()
        )
        stamp = sa.func.coalesce(stamp, first_event, model.__table__.columns["created_at"])
    lower, upper = utc_bounds(chosen.start, chosen.end)
    if lower is not None:
        query = query.where(stamp >= lower)
    if upper is not None:
        query = query.where(stamp < upper)
    query = _scoped(query, table, chosen)
    with ledger.session(read_only=True) as session:
        rows = session.execute(query.order_by(stamp, model.__table__.columns["id"])).all()
    names = [c.name for c in columns]
    frame = pd.DataFrame([tuple(_plain(v, exact) for v in row) for row in rows], columns=names)
    return _typed(frame, model, exact)


def _scoped(query: sa.Select[Any], table: str, where: LedgerFilter) -> sa.Select[Any]:
    from workbench.ledger import OrderRow

    models = _models()
    columns = models[table].__table__.columns
    if where.run_id is not None:
        if "run_id" in columns:
            query = query.where(columns["run_id"] == where.run_id)
        elif "order_id" in columns:
            mine = OrderRow.__table__.select().with_only_columns(OrderRow.id)
            query = query.where(
                columns["order_id"].in_(mine.where(OrderRow.run_id == where.run_id))
            )
        elif table == "runs":
            query = query.where(columns["id"] == where.run_id)
    if where.account_id is not None:
        if "account_id" in columns:
            query = query.where(columns["account_id"] == where.account_id)
        elif "order_id" in columns:
            mine = OrderRow.__table__.select().with_only_columns(OrderRow.id)
            query = query.where(
                columns["order_id"].in_(mine.where(OrderRow.account_id == where.account_id))
            )
    return query


def _models() -> dict[str, Any]:
    from workbench.ledger import (
        AlertRow,
        AuditRecordRow,
        CashMovementRow,
        FillRow,
        OrderEventRow,
        OrderRow,
        PositionRow,
        ReportRow,
        RunRow,
    )

    return {
        "orders": OrderRow,
        "order_events": OrderEventRow,
        "fills": FillRow,
        "positions": PositionRow,
        "cash_movements": CashMovementRow,
        "audit": AuditRecordRow,
        "alerts": AlertRow,
        "runs": RunRow,
        "reports": ReportRow,
    }


def _plain(value: Any, exact: bool) -> Any:
    if isinstance(value, Decimal) and not exact:
        return float(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _typed(frame: pd.DataFrame, model: Any, exact: bool) -> pd.DataFrame:
    """Empty or sparse columns get the dtype their SQL type implies, so every export of a
    table has the same schema."""
    import sqlalchemy as sa

    from workbench.ledger.sqltypes import ExactDecimal, UTCDateTime

    for column in model.__table__.columns:
        kind = column.type
        if isinstance(kind, UTCDateTime | sa.DateTime):
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True)
        elif isinstance(kind, ExactDecimal | sa.Numeric) and exact:
            continue
        elif isinstance(kind, ExactDecimal | sa.Numeric | sa.Float):
            frame[column.name] = frame[column.name].astype("float64")
        elif isinstance(kind, sa.Boolean):
            frame[column.name] = frame[column.name].astype("boolean")
        elif isinstance(kind, sa.Integer | sa.BigInteger) and column.name != "id":
            frame[column.name] = frame[column.name].astype("Int64")
        elif column.name == "id":
            frame[column.name] = frame[column.name].astype("int64")
    return frame
