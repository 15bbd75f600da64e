"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no timestamp-with-time-zone and no exact decimal: its NUMERIC affinity turns "1.50"
into a REAL and keeps 15 significant digits. These decorators make both dialects round-trip
timezone-aware UTC datetimes and Decimals exactly, so the same ledger code and the same tests run
on the embedded default and on the production store.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "ExactDecimal",
    "JsonDocument",
    "UTCDateTime",
    "dumps_json",
    "enum_type",
    "exact_sums",
    "json_default",
    "json_type",
    "primary_key_type",
    "row_id",
    "utcnow",
]

#: the largest id a row can have: a signed 64-bit integer on SQLite and PostgreSQL
ROW_ID_MAX = 2**63 - 1


def utcnow() -> datetime:
    """Wall-clock UTC, for the moments a row is written (engines pass their clock's time)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime in, the same out; naive datetimes are refused.

    PostgreSQL stores ``timestamptz``. SQLite stores the UTC wall time as text, which sorts and
    compares correctly because every value is in the same zone.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the ledger stores timezone-aware datetimes, got naive {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored exactly: unconstrained NUMERIC on PostgreSQL, text on SQLite.

    No precision or scale is imposed, so nothing is rounded on the way in: quantities, prices
    and cash come back as the Decimal that was written, scale included.
    """

    impl = sa.Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(64))
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise ValueError(f"the ledger stores Decimal, int or str amounts, not float {value!r}")
        number = value if isinstance(value, Decimal) else Decimal(value)
        if not number.is_finite():
            raise ValueError(f"the ledger stores finite amounts, got {value!r}")
        # fixed-point text, as PostgreSQL keeps it: exact, scale included ("1.50" stays "1.50")
        return format(number, "f") if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        try:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"the ledger holds a malformed amount {value!r}") from None


class JsonDocument(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL (indexable, comparable), JSON text on SQLite.

    ``none_as_null`` makes Python ``None`` an SQL NULL rather than the JSON literal ``null``.
    The PostgreSQL type is chosen when a PostgreSQL connection asks for it, not declared as a
    ``with_variant`` of the models: that would import SQLAlchemy's PostgreSQL dialect (a tenth
    of a second or more) in every command that reads an embedded SQLite ledger.
    """

    impl = sa.JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.JSON(none_as_null=True))


def json_type() -> TypeEngine[Any]:
    """The column type of a JSON document (``JsonDocument``)."""
    return JsonDocument()


def json_default(value: Any) -> Any:
    """What JSON columns make of the workbench's non-JSON values: exact strings, not floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable: {value!r}")


def dumps_json(value: Any) -> str:
    """The engines' JSON serialiser. NaN and infinities are refused on both dialects alike,
    as PostgreSQL would refuse them anyway; write None for a missing number."""
    return json.dumps(value, allow_nan=False, default=json_default, separators=(",", ":"))


def enum_type(enum: type[StrEnum], length: int = 32) -> sa.Enum:
    """A model enum stored as its value in a VARCHAR, without a database ENUM or CHECK.

    Later issues add states (e.g. more order statuses); a plain string column takes them without
    a schema change, while the ORM still hands out the enum member.
    """
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def primary_key_type() -> TypeEngine[int]:
    """BIGINT on PostgreSQL; INTEGER on SQLite, where only that spelling is the rowid alias."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def row_id(text: str) -> int | None:
    """The row id ``text`` spells, or None: ASCII digits only (``str.isdigit`` also takes "¹",
    which ``int`` refuses) and within a 64-bit id (SQLite cannot even compare a larger one)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= ROW_ID_MAX else None


def exact_sums(
    session: Any, column: Any, *criteria: Any, group_by: Any = None
) -> dict[Any, Decimal]:
    """``SUM(column)`` of an ``ExactDecimal`` column, exactly, keyed by ``group_by`` (one key,
    None, without it). SQLite keeps these amounts as text and its SUM reads them as binary
    doubles (twenty fills of cash sum to 93149.37000000001), so there the Decimals are added
    here; PostgreSQL's NUMERIC sum is exact already."""
    key = group_by if group_by is not None else sa.literal(None)
    if session.get_bind().dialect.name == "sqlite":
        totals: dict[Any, Decimal] = {}
        for group, amount in session.execute(sa.select(key, column).where(*criteria)):
            if amount is not None:
                totals[group] = totals.get(group, Decimal(0)) + amount
        return totals
    query = sa.select(key, sa.func.sum(column)).where(*criteria)
    if group_by is not None:
        query = query.group_by(group_by)
    return {
        group: Decimal(str(total)) for group, total in session.execute(query) if total is not None
    }
