"""Alembic's environment for the ledger.

Run through ``workbench.ledger`` (``Ledger.upgrade``, ``Ledger.restore``), which hands over an
open connection already inside a transaction: no URL, no ``alembic.ini``, and Alembic commits
nothing itself, so a failed step leaves the database as it was.
"""

from __future__ import annotations

from alembic import context

from workbench.ledger.models import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "the ledger's migrations run on a live connection: use workbench.ledger.Ledger.upgrade "
        "or `workbench db upgrade`"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters a table by rebuilding it; autogenerate then writes batch operations
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
