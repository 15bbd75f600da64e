"""``Ledger``: the one handle on the SQL ledger. Sessions for the engines above, migrations,
backup and restore for operators. Build it with ``Ledger.from_url``; the runtime owns one.

Alembic (through ``migrate`` and ``backup``) is imported only by the methods that migrate,
back up or restore: a ledger already at head is checked with one query (``revision``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from workbench.ledger.engine import (
    create_ledger_engine,
    maintenance,
    masked_url,
    reachable,
    snapshot,
    snapshot_options,
)
from workbench.ledger.revision import HEAD_REVISION, read_revision

if TYPE_CHECKING:
    from workbench.ledger.backup import BackupInfo, RestoreInfo

__all__ = ["Ledger"]


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # objects stay readable after the block that loaded them: faces render them afterwards
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(
            engine.execution_options(**snapshot_options(engine)), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str) -> Ledger:
        """The ledger at ``url`` (``sqlite:///path``, ``postgresql+psycopg://...``), as it is:
        nothing is migrated until ``upgrade``."""
        return cls(create_ledger_engine(url))

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> str:
        """The database URL with any password masked, fit for messages."""
        return masked_url(self._engine)

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on error.

        ``read_only`` reads one consistent snapshot and never waits for writers (on SQLite a
        writing session takes the write lock when it begins). A database server that cannot be
        reached is a ``ConfigError`` (``engine.reachable``).
        """
        factory = self._readers if read_only else self._sessions
        with reachable(self._engine), factory.begin() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Migrate to ``revision``, all steps in one transaction. Running it again is a no-op.

        A ledger already at head is left as it is after one read of its revision, without
        loading Alembic: every command that opens the ledger comes through here."""
        if revision == "head" and self.current() == HEAD_REVISION:
            return
        from workbench.ledger import migrate

        with maintenance(self._engine) as connection:
            migrate.upgrade(connection, revision)

    def current(self) -> str | None:
        """The schema revision the database is at; None before the first upgrade."""
        with snapshot(self._engine) as connection:
            return read_revision(connection)

    def head(self) -> str:
        """The newest schema revision this workbench knows."""
        return HEAD_REVISION

    def knows(self, revision: str) -> bool:
        """Whether ``revision`` is one of this workbench's migrations."""
        from workbench.ledger import migrate

        return migrate.is_known(revision)

    def backup(self, path: str | os.PathLike[str], *, force: bool = False) -> BackupInfo:
        """Write every table, as of one moment, to a portable backup file at ``path`` (a file
        already there is replaced only with ``force``)."""
        from workbench.ledger.backup import write_backup

        return write_backup(self._engine, Path(path), force=force)

    def restore(self, path: str | os.PathLike[str]) -> RestoreInfo:
        """Replace the whole ledger with the backup at ``path``, or change nothing."""
        from workbench.ledger.backup import restore_backup

        info = restore_backup(self._engine, Path(path))
        # pooled connections may hold statements prepared against the tables just replaced
        self._engine.dispose()
        return info

    def dispose(self) -> None:
        """Close the pooled connections (the ledger can still be used: they reopen)."""
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Ledger({self.url!r})"
