"""The ledger's schema revision, read without Alembic.

Importing Alembic costs a third of a second, and every command that opens the ledger asks
whether it is at head. So the newest revision is a constant here (a unit test holds it equal to
the head of ``migrations/``), and the database's revision is read from Alembic's version table
with one query. Alembic itself loads only when there is something to migrate.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.errors import DataError

__all__ = ["HEAD_REVISION", "VERSION_TABLE", "read_revision"]

#: the newest migration in ``workbench/ledger/migrations/versions``; change it with each new one
HEAD_REVISION = "0007"
#: Alembic's default version table, which ``migrations/env.py`` keeps
VERSION_TABLE = "alembic_version"


def read_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    query = f"SELECT version_num FROM {VERSION_TABLE}"  # nosec B608 # a constant table name
    rows = connection.execute(sa.text(query)).all()
    if len(rows) > 1:  # a branched history, which this workbench never writes
        raise DataError(f"the ledger's {VERSION_TABLE} holds {len(rows)} revisions, not one")
    return str(rows[0][0]) if rows else None
