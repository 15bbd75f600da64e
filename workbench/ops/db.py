"""Use cases of the SQL ledger for operators: migrate, say where it stands, back up, restore.

Each opens the ledger named by the settings itself, rather than ``rt.ledger``, which migrates on
first use: ``current`` must report an old schema as old, and ``restore`` replays the schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.core.outputs import aimed_target, store_paths
from workbench.ledger import BackupInfo, Ledger, RestoreInfo

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "BackupInfo",
    "LedgerStatus",
    "RestoreInfo",
    "UpgradeResult",
    "backup",
    "current",
    "restore",
    "upgrade",
]


@dataclass(frozen=True)
class LedgerStatus:
    url: str
    current: str | None
    head: str
    up_to_date: bool
    #: False when a newer workbench migrated the ledger past this one's head
    known: bool


@dataclass(frozen=True)
class UpgradeResult:
    url: str
    before: str | None
    after: str | None
    changed: bool


@contextmanager
def _ledger(rt: Runtime) -> Iterator[Ledger]:
    with Ledger.from_url(rt.settings.ledger_dsn) as ledger:
        yield ledger


def upgrade(rt: Runtime) -> UpgradeResult:
    with _ledger(rt) as ledger:
        before = ledger.current()
        ledger.upgrade()
        after = ledger.current()
        return UpgradeResult(url=ledger.url, before=before, after=after, changed=before != after)


def current(rt: Runtime) -> LedgerStatus:
    with _ledger(rt) as ledger:
        revision, head = ledger.current(), ledger.head()
        return LedgerStatus(
            url=ledger.url,
            current=revision,
            head=head,
            up_to_date=revision == head,
            known=revision is None or ledger.knows(revision),
        )


def backup(rt: Runtime, path: str | os.PathLike[str], *, force: bool = False) -> BackupInfo:
    """A backup at ``path`` (missing folders made): never inside the home's stores or over the
    ledger itself, and over an existing file only with ``force`` (``workbench.core.outputs``)."""
    stores = store_paths(rt.settings)
    target = aimed_target(path, stores=stores, force=force, make_parents=True)
    with _ledger(rt) as ledger:
        return ledger.backup(target, force=force)


def restore(rt: Runtime, path: str | os.PathLike[str]) -> RestoreInfo:
    """Replace the ledger with the backup at ``path`` once its checksums and its audit chain
    check out; otherwise a DataError names what failed and nothing is changed."""
    with _ledger(rt) as ledger:
        return ledger.restore(path)
