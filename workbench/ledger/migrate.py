"""Alembic, driven from code. The scripts live in this package (``migrations/``); there is no
``alembic.ini``. Every command runs on a connection the caller already holds in a transaction,
so an upgrade, or a restore that migrates, commits all of its steps or none.

A new migration, from a checkout (review and trim what autogenerate writes before committing)::

    from alembic import command
    from workbench.ledger import Ledger
    from workbench.ledger.migrate import alembic_config

    ledger = Ledger.from_url("sqlite:////tmp/head.db")
    ledger.upgrade()
    with ledger.engine.begin() as connection:
        command.revision(alembic_config(connection), "add orders.venue", autogenerate=True,
                         rev_id="0002")
"""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from workbench.core.errors import DataError
from workbench.ledger.revision import read_revision

__all__ = [
    "SCRIPT_LOCATION",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "is_known",
    "upgrade",
]

SCRIPT_LOCATION = "workbench.ledger:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config; ``env.py`` runs on ``connection`` when one is given."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001
        raise RuntimeError("the ledger's migrations have no head revision")
    return head


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of this workbench's migrations."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    return read_revision(connection)


def upgrade(connection: Connection, revision: str = "head") -> None:
    current = current_revision(connection)
    if current is not None and not is_known(current):
        raise DataError(
            f"the ledger is at schema revision {current}, which this workbench does not know "
            f"(its newest is {head_revision()}): a newer workbench migrated it; use that version"
        )
    try:
        command.upgrade(alembic_config(connection), revision)
    except CommandError as exc:  # e.g. a revision name that does not exist
        raise DataError(f"cannot upgrade the ledger to {revision!r}: {exc}") from None


def downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)
