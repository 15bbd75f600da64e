"""The declarative base every ledger table derives from: naming convention and type map.

Constraint names are fixed by convention, so migrations written today can name the constraint a
later migration drops, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from workbench.ledger.sqltypes import (
    ExactDecimal,
    UTCDateTime,
    json_type,
    primary_key_type,
    utcnow,
)

__all__ = ["NAMING_CONVENTION", "Base", "CreatedAt", "IdMixin"]

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute as is
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: json_type(),
        list[Any]: json_type(),
    }


class IdMixin:
    """A surrogate integer key; business keys (client order id, username...) are UNIQUE columns."""

    # sort_order puts the key first in CREATE TABLE and in ``select(table)``, mixin or not
    id: Mapped[int] = mapped_column(primary_key_type(), primary_key=True, sort_order=-1)


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
