"""The portable backup file: a zip holding ``manifest.json`` and one JSON-lines file per table.

::

    manifest.json           {"format": "workbench-ledger-backup", "version": 2,
                             "revision": "0001", "dialect": "sqlite", "created_at": "...Z",
                             "tables": {"accounts": 2, ...},            # rows, parents first
                             "columns": {"accounts": {"id": "integer", ...}, ...},
                             "checksums": {"accounts": "<sha256 hex>", ...}}
    tables/<table>.jsonl    one JSON object per row, keys are the column names

``open_archive`` reads every table file against its checksum before anything is restored, so
a damaged or edited file is refused whole (version 1 backups carry no checksums).

Values are written by column kind, not by dialect, so a backup of SQLite restores into
PostgreSQL and back: decimals as exact strings, datetimes as ISO 8601 in UTC, JSON documents as
themselves. This module knows files and values only; ``backup.py`` talks to the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from workbench.core.errors import DataError, NotFound
from workbench.core.outputs import atomic_file, private_folder
from workbench.ledger.sqltypes import ExactDecimal, JsonDocument, UTCDateTime, json_type

__all__ = [
    "CHECKSUMS_SINCE",
    "FORMAT",
    "KINDS",
    "MANIFEST",
    "VERSION",
    "Manifest",
    "atomic_archive",
    "column_kind",
    "decode_value",
    "encode_value",
    "entry_checksum",
    "kind_type",
    "open_archive",
    "read_rows",
    "table_entry",
]

FORMAT = "workbench-ledger-backup"
VERSION = 2
#: versions from which on every table file carries a checksum
CHECKSUMS_SINCE = 2
MANIFEST = "manifest.json"
KINDS = frozenset(
    {"integer", "string", "boolean", "decimal", "datetime", "date", "float", "json", "bytes"}
)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: what zipfile and zlib raise on a damaged archive
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


@dataclass(frozen=True)
class Manifest:
    revision: str
    dialect: str
    created_at: datetime
    #: rows per table, in foreign-key order (parents first)
    tables: dict[str, int]
    #: column name -> kind, per table
    columns: dict[str, dict[str, str]]
    #: SHA-256 (hex) of each table's file; empty in a version 1 backup
    checksums: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "revision": self.revision,
            "dialect": self.dialect,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "tables": self.tables,
            "columns": self.columns,
            "checksums": self.checksums,
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> Manifest:
        """Check a parsed ``manifest.json``; a DataError names the first thing wrong."""

        def refuse(problem: str) -> DataError:
            return DataError(f"{source} is not a workbench ledger backup: {problem}")

        if not isinstance(data, dict):
            raise refuse("manifest.json is not a JSON object")
        if data.get("format") != FORMAT:
            raise refuse(f"manifest format is {data.get('format')!r}, expected {FORMAT!r}")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise refuse(f"manifest version {version!r} is not a format version")
        if version > VERSION:
            raise DataError(
                f"{source} was written by a newer workbench (backup format {version}; "
                f"this one reads format {VERSION}): restore it with that version"
            )
        revision, dialect = data.get("revision"), data.get("dialect")
        if not isinstance(revision, str) or not revision:
            raise refuse("manifest has no schema revision")
        if not isinstance(dialect, str):
            raise refuse("manifest has no dialect")
        created_at = _manifest_time(data.get("created_at"), refuse)
        tables, columns = data.get("tables"), data.get("columns")
        if not isinstance(tables, dict) or not isinstance(columns, dict):
            raise refuse("manifest lacks its tables and columns")
        if set(tables) != set(columns):
            raise refuse("manifest tables and columns name different tables")
        for name, rows in tables.items():
            if not _NAME.match(name):
                raise refuse(f"table name {name!r} is not a ledger table name")
            if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
                raise refuse(f"table {name} has row count {rows!r}")
            _check_columns(name, columns[name], refuse)
        checksums = _checksums(data.get("checksums"), version, set(tables), refuse)
        return cls(revision, dialect, created_at, dict(tables), dict(columns), checksums)


def _checksums(value: Any, version: int, tables: set[str], refuse: Any) -> dict[str, str]:
    if version < CHECKSUMS_SINCE:
        return {}
    if not isinstance(value, dict) or set(value) != tables:
        raise refuse("manifest lacks a checksum for every table")
    for name, digest in value.items():
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise refuse(f"table {name} has checksum {digest!r}, not a SHA-256")
    return dict(value)


def _manifest_time(value: Any, refuse: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise refuse(f"manifest created_at {value!r} is not a timezone-aware ISO 8601 time")
    return moment.astimezone(UTC)


def _check_columns(table: str, columns: Any, refuse: Any) -> None:
    if not isinstance(columns, dict) or not columns:
        raise refuse(f"table {table} lists no columns")
    for column, kind in columns.items():
        if not _NAME.match(column) or kind not in KINDS:
            raise refuse(f"table {table} column {column!r} has unknown kind {kind!r}")


def table_entry(table: str) -> str:
    return f"tables/{table}.jsonl"


# -- values ---------------------------------------------------------------------------------


def column_kind(type_: TypeEngine[Any]) -> str:
    """The backup kind of a column type; a type with no kind is a bug to fix here."""
    checks: tuple[tuple[type[Any], str], ...] = (
        (UTCDateTime, "datetime"),
        (ExactDecimal, "decimal"),
        (JsonDocument, "json"),
        (sa.JSON, "json"),
        (sa.Boolean, "boolean"),
        (sa.Integer, "integer"),
        (sa.Float, "float"),
        (sa.Numeric, "decimal"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.String, "string"),  # Text and the enums too
        (sa.LargeBinary, "bytes"),
    )
    for cls, kind in checks:
        if isinstance(type_, cls):
            return kind
    raise TypeError(f"the backup format has no kind for column type {type_!r}")


def kind_type(kind: str) -> TypeEngine[Any]:
    """The column type that reads and writes a kind exactly on either dialect."""
    types: dict[str, TypeEngine[Any]] = {
        "integer": sa.BigInteger(),
        "string": sa.String(),
        "boolean": sa.Boolean(),
        "decimal": ExactDecimal(),
        "datetime": UTCDateTime(),
        "date": sa.Date(),
        "float": sa.Float(),
        "json": json_type(),
        "bytes": sa.LargeBinary(),
    }
    return types[kind]


def encode_value(kind: str, value: Any) -> Any:
    if value is None or kind in {"integer", "boolean", "json", "float"}:
        return value
    if kind == "datetime":
        # naive values only come from hand-written SQL; the ledger's convention is UTC
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    return str(value)  # decimal: exact, scale kept; string: enums give their value


def decode_value(kind: str, value: Any) -> Any:
    """A backup value back to Python; raises ValueError when it is not of its kind."""
    if value is None or kind == "json":
        return value
    expected: dict[str, type[Any] | tuple[type[Any], ...]] = {
        "integer": int,
        "boolean": bool,
        "float": (int, float),
        "bytes": str,
        "string": str,
        "decimal": str,
        "datetime": str,
        "date": str,
    }
    if not isinstance(value, expected[kind]) or (kind != "boolean" and isinstance(value, bool)):
        raise ValueError(f"{value!r} is not a valid {kind}")
    if kind == "decimal":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite decimal")
        return number
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(f"{value!r} has no timezone")
        return moment.astimezone(UTC)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    return float(value) if kind == "float" else value


# -- files ----------------------------------------------------------------------------------


@contextmanager
def atomic_archive(path: Path, *, force: bool = False) -> Iterator[zipfile.ZipFile]:
    """A zip written beside ``path`` and renamed over it only once complete: a reader sees the
    old file or the whole new one, never a partial backup. The file is private (mode 0600); an
    existing file is replaced only with ``force``; a missing folder is made (0700)."""
    if not path.parent.exists():
        private_folder(path.parent)
    with atomic_file(path, force=force) as partial, open(partial, "wb") as raw:
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            yield archive
        raw.flush()
        os.fsync(raw.fileno())


@contextmanager
def open_archive(path: Path) -> Iterator[tuple[zipfile.ZipFile, Manifest]]:
    """Open a backup and check its manifest, its entries and their checksums before anything
    reads a row; a damaged file is a DataError naming what is wrong."""
    if not path.is_file():
        raise NotFound(f"{path}: no such backup file")
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path} is not a workbench ledger backup: not a zip archive")
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGE as exc:
        raise DataError(f"{path} is damaged: {exc}") from None
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            raise DataError(f"{path} is not a workbench ledger backup: it has no {MANIFEST}")
        try:
            data = json.loads(archive.read(MANIFEST))
        except ValueError as exc:
            raise DataError(f"{path}: {MANIFEST} is not readable JSON ({exc})") from None
        except _DAMAGE as exc:
            raise DataError(f"{path} is damaged: {MANIFEST}: {exc}") from None
        manifest = Manifest.from_json(data, str(path))
        missing = [t for t in manifest.tables if table_entry(t) not in names]
        if missing:
            raise DataError(f"{path} is incomplete: no rows for table(s) {', '.join(missing)}")
        changed = [
            table_entry(table)
            for table, expected in manifest.checksums.items()
            if entry_checksum(archive, table, path) != expected
        ]
        if changed:
            raise DataError(
                f"{path} fails its checksum: {', '.join(changed)} changed or damaged after the "
                "backup was written"
            )
        yield archive, manifest


def entry_checksum(archive: zipfile.ZipFile, table: str, path: Path | str = "backup") -> str:
    """SHA-256 (hex) of one table's file, read whole; a damaged entry is a DataError."""
    digest = hashlib.sha256()
    try:
        with archive.open(table_entry(table)) as entry:
            for block in iter(lambda: entry.read(1 << 20), b""):
                digest.update(block)
    except _DAMAGE as exc:
        raise DataError(f"{path} is damaged: {table_entry(table)}: {exc}") from None
    return digest.hexdigest()


def read_rows(
    archive: zipfile.ZipFile, table: str, columns: Mapping[str, str]
) -> Iterator[dict[str, Any]]:
    """Decoded rows of one table; a DataError names the line that is not a row of it."""
    with archive.open(table_entry(table)) as entry:
        for number, line in enumerate(_lines(entry), start=1):
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or set(row) != set(columns):
                    raise ValueError(f"expected the columns {sorted(columns)}")
                yield {name: decode_value(columns[name], row[name]) for name in columns}
            except ValueError as exc:
                raise DataError(f"backup table {table}, row {number}: {exc}") from None


def _lines(entry: IO[bytes]) -> Iterator[bytes]:
    for line in entry:
        if line.strip():
            yield line
