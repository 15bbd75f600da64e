"""Backup and restore on one dialect: round trips, refusals that change nothing, atomic files."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from workbench.core.errors import DataError, NotFound
from workbench.ledger import AccountRow, Ledger, RunRow, verify_audit_chain
from workbench.ledger.engine import maintenance

pytestmark = pytest.mark.requirement("DEP-04")

Contents = dict[str, list[dict[str, Any]]]


def test_a_restore_brings_back_every_row_exactly(
    ledger: Ledger,
    tmp_path: Path,
    populate: Callable[[Ledger], None],
    contents: Callable[[Ledger], Contents],
) -> None:
    populate(ledger)
    saved = contents(ledger)
    info = ledger.backup(tmp_path / "ledger.zip")
    assert info.revision == ledger.head()
    assert info.tables == {name: len(rows) for name, rows in saved.items()}
    assert info.rows == sum(info.tables.values()) > 14

    with ledger.session() as session:  # change everything after the backup
        session.execute(sa.delete(RunRow))
        session.add(AccountRow(name="after-the-backup", broker="paper"))
    restored = ledger.restore(info.path)

    assert contents(ledger) == saved
    assert restored.tables == info.tables
    assert restored.revision == restored.head == ledger.current()
    with ledger.session(read_only=True) as session:
        assert verify_audit_chain(session).ok


def test_new_rows_after_a_restore_take_fresh_keys(
    ledger: Ledger, tmp_path: Path, populate: Callable[[Ledger], None]
) -> None:
    populate(ledger)
    ledger.restore(ledger.backup(tmp_path / "ledger.zip").path)
    with ledger.session() as session:
        highest = session.scalar(sa.select(sa.func.max(AccountRow.id)))
        account = AccountRow(name="new", broker="paper")
        session.add(account)
        session.flush()
        assert highest is not None
        assert account.id > highest


def test_a_backup_of_an_empty_ledger_restores_into_a_database_never_migrated(
    ledger: Ledger, tmp_path: Path, contents: Callable[[Ledger], Contents]
) -> None:
    path = ledger.backup(tmp_path / "empty.zip").path
    with Ledger.from_url(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        assert fresh.current() is None
        fresh.restore(path)
        assert fresh.current() == fresh.head()
        assert contents(fresh) == contents(ledger)


def test_a_ledger_not_at_head_is_not_backed_up(ledger_url: str, tmp_path: Path) -> None:
    with Ledger.from_url(ledger_url) as ledger, pytest.raises(DataError, match="db upgrade"):
        ledger.backup(tmp_path / "never.zip")
    assert list(tmp_path.glob("never.zip*")) == []


def test_the_backup_file_is_private_and_its_folder_made(ledger: Ledger, tmp_path: Path) -> None:
    path = ledger.backup(tmp_path / "nightly" / "ledger.zip").path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds password and key hashes
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "workbench-ledger-backup"
    assert manifest["version"] == 2
    assert set(manifest["checksums"]) == set(manifest["tables"])
    assert manifest["dialect"] == ledger.engine.dialect.name


def test_a_failed_backup_leaves_the_previous_file_and_no_partial_one(
    tmp_path: Path, populate: Callable[[Ledger], None]
) -> None:
    # a malformed amount, as only hand-written SQL could store it, stops the backup midway
    with Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.upgrade()
        populate(ledger)
        target = tmp_path / "backups" / "ledger.zip"
        ledger.backup(target)
        previous = target.read_bytes()
        with ledger.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE positions SET qty = 'twelve'")
        with pytest.raises(DataError, match="positions"):
            ledger.backup(target, force=True)
    assert target.read_bytes() == previous
    assert sorted(p.name for p in target.parent.iterdir()) == ["ledger.zip"]


# -- refusals ---------------------------------------------------------------------------------


def _rewrite(
    source: Path,
    target: Path,
    manifest: Callable[[dict[str, Any]], Any] | None = None,
    entries: dict[str, bytes | None] | None = None,
    *,
    checksums: bool = True,
) -> Path:
    """A copy of a backup with its manifest edited and entries replaced (None drops one).
    With ``checksums`` the manifest's checksums are recomputed, as a careful forger would."""
    entries = entries or {}
    with zipfile.ZipFile(source) as old:
        files = {name: old.read(name) for name in old.namelist()}
    for name, replacement in entries.items():
        if replacement is None:
            files.pop(name, None)
        else:
            files[name] = replacement
    document = json.loads(files["manifest.json"]) if "manifest.json" in files else None
    if document is not None and checksums:
        document["checksums"] = {
            table: hashlib.sha256(files.get(f"tables/{table}.jsonl", b"")).hexdigest()
            for table in document["tables"]
        }
    if document is not None:
        edited = manifest(document) if manifest is not None else document
        files["manifest.json"] = (
            edited if isinstance(edited, bytes) else json.dumps(edited).encode()
        )
    with zipfile.ZipFile(target, "w") as new:
        for name, data in files.items():
            new.writestr(name, data)
    return target


def _edited_rows(good: Path, table: str, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The rows of ``table`` in ``good`` with ``change`` applied to its first row."""
    with zipfile.ZipFile(good) as archive:
        rows = [json.loads(line) for line in archive.read(f"tables/{table}.jsonl").splitlines()]
    change(rows[0])
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def _tampered(good: Path, bad: Path, *, checksums: bool) -> Path:
    """The case of the issue: an order's qty and an audit record edited (qty -2000)."""
    orders = _edited_rows(good, "orders", lambda row: row.update(qty="-2000"))
    audit = _edited_rows(good, "audit_records", lambda row: row["payload"].update(qty="-2000"))
    entries: dict[str, bytes | None] = {
        "tables/orders.jsonl": orders,
        "tables/audit_records.jsonl": audit,
    }
    return _rewrite(good, bad, entries=entries, checksums=checksums)


def _flipped(good: Path, bad: Path) -> Path:
    """A copy with one byte flipped in the middle of the orders table's compressed data."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("tables/orders.jsonl")
    # the local header is 30 bytes plus the name and extra field; the data follows
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    return bad


def _with(key: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda manifest: {**manifest, key: value}


def _account_rows(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def _good_account(**changes: Any) -> dict[str, Any]:
    row = {
        "id": 1,
        "name": "x",
        "broker": "paper",
        "broker_account_id": None,
        "currency": "USD",
        "trading_state": "active",
        "updated_at": "2024-01-01T00:00:00+00:00",
        "created_at": "2024-01-01T00:00:00+00:00",
    }
    return {**row, **changes}


BAD_BACKUPS: dict[str, tuple[Callable[[Path, Path], Path], type[Exception], str]] = {
    "not a zip": (
        lambda good, p: (p.write_text("name,qty\nAAPL,1\n"), p)[1],
        DataError,
        "not a zip archive",
    ),
    "a zip of something else": (
        lambda good, p: _rewrite(good, p, entries={"manifest.json": None}),
        DataError,
        "has no manifest.json",
    ),
    "a manifest that is not JSON": (
        lambda good, p: _rewrite(good, p, manifest=lambda m: b"{oops"),
        DataError,
        "not readable JSON",
    ),
    "another program's manifest": (
        lambda good, p: _rewrite(good, p, manifest=_with("format", "pg_dump")),
        DataError,
        "manifest format is 'pg_dump'",
    ),
    "a newer backup format": (
        lambda good, p: _rewrite(good, p, manifest=_with("version", 3)),
        DataError,
        "newer workbench",
    ),
    "a table edited after the backup (checksum)": (
        lambda good, p: _tampered(good, p, checksums=False),
        DataError,
        "fails its checksum: tables/audit_records.jsonl, tables/orders.jsonl changed",
    ),
    "a table edited, its checksums forged (audit chain)": (
        lambda good, p: _tampered(good, p, checksums=True),
        DataError,
        "its audit chain is broken (record 1 was changed after it was written)",
    ),
    "a flipped byte": (
        _flipped,
        DataError,
        "is damaged: tables/orders.jsonl",
    ),
    "a manifest without checksums": (
        lambda good, p: _rewrite(
            good, p, manifest=lambda m: {k: v for k, v in m.items() if k != "checksums"}
        ),
        DataError,
        "manifest lacks a checksum for every table",
    ),
    "a newer schema revision": (
        lambda good, p: _rewrite(good, p, manifest=_with("revision", "0999")),
        DataError,
        "revision 0999, which this workbench does not know",
    ),
    "a table's rows missing": (
        lambda good, p: _rewrite(good, p, entries={"tables/orders.jsonl": None}),
        DataError,
        "no rows for table(s) orders",
    ),
    "a row count that disagrees": (
        lambda good, p: _rewrite(good, p, entries={"tables/accounts.jsonl": b""}),
        DataError,
        "accounts holds 0 rows but its manifest says 1",
    ),
    "a malformed amount": (
        lambda good, p: _rewrite(
            good,
            p,
            manifest=lambda m: {**m, "tables": {**m["tables"], "accounts": 1}},
            entries={"tables/accounts.jsonl": _account_rows([_good_account(id="one")])},
        ),
        DataError,
        "accounts, row 1: 'one' is not a valid integer",
    ),
    "an order of an account not in it": (
        lambda good, p: _rewrite(
            good, p, entries={"tables/accounts.jsonl": _account_rows([_good_account(id=7)])}
        ),
        DataError,
        "the ledger was not changed",
    ),
}


@pytest.mark.parametrize("case", list(BAD_BACKUPS))
def test_a_bad_backup_is_refused_and_changes_nothing(
    case: str,
    ledger: Ledger,
    tmp_path: Path,
    populate: Callable[[Ledger], None],
    contents: Callable[[Ledger], Contents],
) -> None:
    populate(ledger)
    good = ledger.backup(tmp_path / "good.zip").path
    with ledger.session() as session:  # so that a restore, had it happened, would show
        session.add(AccountRow(name="only-in-the-ledger", broker="paper"))
    before = contents(ledger)
    make, error, message = BAD_BACKUPS[case]
    bad = make(good, tmp_path / "bad.zip")
    with pytest.raises(error, match=_literal(message)):
        ledger.restore(bad)
    assert contents(ledger) == before
    assert ledger.current() == ledger.head()


def _literal(text: str) -> str:
    import re

    return re.escape(text)


def test_a_missing_file_is_not_found(ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such backup file"):
        ledger.restore(tmp_path / "nope.zip")


def test_a_ledger_at_an_unknown_revision_is_not_restored_over(
    ledger: Ledger, tmp_path: Path, contents: Callable[[Ledger], Contents]
) -> None:
    good = ledger.backup(tmp_path / "good.zip").path
    with maintenance(ledger.engine) as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    with pytest.raises(DataError, match="ledger is at schema revision 0999"):
        ledger.restore(good)
    assert ledger.current() == "0999"
    assert os.path.exists(good)


def test_a_version_1_backup_without_checksums_still_restores(
    ledger: Ledger,
    tmp_path: Path,
    populate: Callable[[Ledger], None],
    contents: Callable[[Ledger], Contents],
) -> None:
    populate(ledger)
    saved = contents(ledger)
    good = ledger.backup(tmp_path / "good.zip").path
    old = _rewrite(
        good,
        tmp_path / "v1.zip",
        manifest=lambda m: {**{k: v for k, v in m.items() if k != "checksums"}, "version": 1},
    )
    with ledger.session() as session:
        session.add(AccountRow(name="after-the-backup", broker="paper"))
    ledger.restore(old)
    assert contents(ledger) == saved


def test_an_existing_backup_is_replaced_only_with_force(ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "ledger.zip"
    target.write_bytes(b"yesterday's backup")
    with pytest.raises(DataError, match="already exists; pass --force"):
        ledger.backup(target)
    assert target.read_bytes() == b"yesterday's backup"
    ledger.backup(target, force=True)
    assert zipfile.is_zipfile(target)
