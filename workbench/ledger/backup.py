"""Backup and restore of the whole ledger through the portable archive of ``archive.py``.

A backup reads every table in one snapshot, so rows committed while it runs are either all in
it or all out, and records each table file's SHA-256. A restore first proves the backup: every
checksum matches and its audit chain recomputes (``audit verify`` over the backup's records);
a backup that fails either is refused, naming what failed, before anything is touched. It then
replays the schema to the backup's revision (downgrade to base, upgrade
to that revision), loads the rows parents first, resets PostgreSQL's sequences, migrates to head
and commits once: the ledger afterwards holds exactly the backup, or, on any error, what it held.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.core.errors import DataError
from workbench.ledger import archive, migrate
from workbench.ledger.audit import verify_audit_records
from workbench.ledger.engine import maintenance, snapshot
from workbench.ledger.models import Base

__all__ = ["BackupInfo", "RestoreInfo", "restore_backup", "write_backup"]

_BATCH = 1000
_AUDIT = "audit_records"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    dialect: str
    created_at: datetime
    #: rows per table, parents first
    tables: dict[str, int]
    rows: int
    size_bytes: int


@dataclass(frozen=True)
class RestoreInfo:
    path: Path
    #: the schema revision the backup was taken at; the ledger is at ``head`` afterwards
    revision: str
    head: str
    source_dialect: str
    backup_created_at: datetime
    tables: dict[str, int]
    rows: int


def write_backup(engine: Engine, path: Path, *, force: bool = False) -> BackupInfo:
    created_at = datetime.now(UTC)
    tables = Base.metadata.sorted_tables
    columns = {t.name: {c.name: archive.column_kind(c.type) for c in t.columns} for t in tables}
    with snapshot(engine) as connection:
        _require_head(connection, "back up")
        with archive.atomic_archive(path, force=force) as zf:
            counts: dict[str, int] = {}
            checksums: dict[str, str] = {}
            for table in tables:
                counts[table.name], checksums[table.name] = _dump_table(
                    connection, zf, table.name, columns[table.name]
                )
            manifest = archive.Manifest(
                revision=migrate.head_revision(),
                dialect=engine.dialect.name,
                created_at=created_at,
                tables=counts,
                columns=columns,
                checksums=checksums,
            )
            zf.writestr(archive.MANIFEST, json.dumps(manifest.to_json(), indent=2))
    return BackupInfo(
        path=path,
        revision=manifest.revision,
        dialect=manifest.dialect,
        created_at=created_at,
        tables=counts,
        rows=sum(counts.values()),
        size_bytes=path.stat().st_size,
    )


def _require_head(connection: Connection, doing: str) -> None:
    current, head = migrate.current_revision(connection), migrate.head_revision()
    if current != head:
        raise DataError(
            f"cannot {doing} a ledger at schema revision {current or '(none)'}: this workbench "
            f"writes backups at revision {head}; run `workbench db upgrade` first"
        )


def _dump_table(
    connection: Connection, zf: zipfile.ZipFile, name: str, kinds: dict[str, str]
) -> tuple[int, str]:
    """Rows written and the SHA-256 of the table's file."""
    # read through the kinds' own types, not the models': an enum value this code does not know
    # yet, or a malformed row, must not stop a backup from being taken as stored
    table = _table(name, kinds)
    query = sa.select(table).order_by(*(table.c[c] for c in _key_columns(name)))
    rows, digest = 0, hashlib.sha256()
    with zf.open(archive.table_entry(name), "w", force_zip64=True) as entry:
        result = connection.execute(query.execution_options(yield_per=_BATCH))
        try:
            with closing(result):  # a failure must not leave a server-side cursor open
                for row in result.mappings():
                    record = {c: archive.encode_value(kinds[c], row[c]) for c in kinds}
                    line = json.dumps(record, allow_nan=False).encode() + b"\n"
                    entry.write(line)
                    digest.update(line)
                    rows += 1
        except (ValueError, ArithmeticError) as exc:
            raise DataError(f"cannot back up table {name}: row {rows + 1}: {exc}") from None
    return rows, digest.hexdigest()


def _key_columns(name: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[name].primary_key.columns]


def _table(name: str, kinds: dict[str, str]) -> sa.TableClause:
    return sa.table(name, *(sa.column(c, archive.kind_type(k)) for c, k in kinds.items()))


def restore_backup(engine: Engine, path: Path) -> RestoreInfo:
    with archive.open_archive(path) as (zf, manifest):
        if not migrate.is_known(manifest.revision):
            raise DataError(
                f"{path} holds schema revision {manifest.revision}, which this workbench does not "
                f"know (its newest is {migrate.head_revision()}): the backup comes from a newer "
                "workbench; restore it with that version"
            )
        _require_audit_chain(zf, manifest, path)
        try:
            with maintenance(engine) as connection:
                _replay_schema(connection, manifest.revision)
                order = _foreign_key_order(connection, manifest)
                for name in order:
                    _load_table(connection, zf, name, manifest)
                if connection.dialect.name == "postgresql":
                    _reset_sequences(connection, order)
                migrate.upgrade(connection, "head")
        except DataError as exc:
            message = f"cannot restore {path}: {exc.message}; the ledger was not changed"
            raise DataError(message) from None
    return RestoreInfo(
        path=path,
        revision=manifest.revision,
        head=migrate.head_revision(),
        source_dialect=manifest.dialect,
        backup_created_at=manifest.created_at,
        tables=manifest.tables,
        rows=sum(manifest.tables.values()),
    )


def _require_audit_chain(zf: zipfile.ZipFile, manifest: archive.Manifest, path: Path) -> None:
    """The backup's audit chain recomputed from its own rows, before the ledger is touched."""
    if _AUDIT not in manifest.tables:
        return
    verdict = verify_audit_records(_audit_records(zf, manifest))
    if not verdict.ok:
        raise DataError(
            f"cannot restore {path}: its audit chain is broken ({verdict.problem}); "
            "the ledger was not changed"
        )


def _audit_records(zf: zipfile.ZipFile, manifest: archive.Manifest) -> Iterator[SimpleNamespace]:
    for row in archive.read_rows(zf, _AUDIT, manifest.columns[_AUDIT]):
        yield SimpleNamespace(**row)


def _replay_schema(connection: Connection, revision: str) -> None:
    """Empty tables at the backup's revision; the old ones are dropped by their own migrations."""
    current = migrate.current_revision(connection)
    if current is not None:
        if not migrate.is_known(current):
            raise DataError(
                f"the ledger is at schema revision {current}, which this workbench does not know; "
                "restore with the workbench that migrated it"
            )
        migrate.downgrade(connection, "base")
    migrate.upgrade(connection, revision)


def _foreign_key_order(connection: Connection, manifest: archive.Manifest) -> list[str]:
    inspector = sa.inspect(connection)
    present = {n for n, _ in inspector.get_sorted_table_and_fkc_names() if n} - {"alembic_version"}
    if present != set(manifest.tables):
        extra, missing = set(manifest.tables) - present, present - set(manifest.tables)
        raise DataError(
            f"the backup does not match schema revision {manifest.revision}: tables "
            f"{sorted(extra)} are not in that schema and {sorted(missing)} are not in the backup"
        )
    for name in present:
        actual = {c["name"] for c in inspector.get_columns(name)}
        unknown = set(manifest.columns[name]) - actual
        if unknown:
            raise DataError(f"table {name} has columns {sorted(unknown)} the schema lacks")
    return [n for n, _ in inspector.get_sorted_table_and_fkc_names() if n in present]


def _load_table(
    connection: Connection, zf: zipfile.ZipFile, name: str, manifest: archive.Manifest
) -> None:
    kinds = manifest.columns[name]
    insert = sa.insert(_table(name, kinds))
    loaded = 0
    try:
        for batch in _batches(archive.read_rows(zf, name, kinds)):
            connection.execute(insert, batch)
            loaded += len(batch)
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DataError(f"table {name}: {reason}") from None
    if loaded != manifest.tables[name]:
        raise DataError(
            f"backup table {name} holds {loaded} rows but its manifest says {manifest.tables[name]}"
        )


def _batches(rows: Iterable[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _reset_sequences(connection: Connection, tables: list[str]) -> None:
    """Point each serial key's sequence past the restored rows, so new inserts do not collide."""
    inspector = sa.inspect(connection)
    quote = connection.dialect.identifier_preparer.quote
    for name in tables:
        keys = inspector.get_pk_constraint(name)["constrained_columns"]
        if len(keys) != 1:
            continue
        sequence = connection.scalar(
            sa.select(sa.func.pg_get_serial_sequence(quote(name), keys[0]))
        )
        if sequence is None:
            continue
        highest = connection.scalar(
            sa.select(sa.func.max(sa.column(keys[0]))).select_from(sa.table(name))
        )
        # setval(seq, n, false) makes n the next value handed out
        connection.execute(sa.select(sa.func.setval(sequence, (highest or 0) + 1, False)))
