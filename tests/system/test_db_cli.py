"""``workbench db`` as an operator runs it: the installed command, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.system, pytest.mark.requirement("DEP-04", "DEP-05")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def env(ledger_url: str) -> dict[str, str]:
    return {**os.environ, "WB_LEDGER_URL": ledger_url}


def test_upgrade_back_up_and_restore_the_ledger(env: dict[str, str], tmp_path: Path) -> None:
    current = _run("db", "current", "--json", env=env)
    assert current.returncode == 0, current.stderr
    assert json.loads(current.stdout)["current"] is None

    assert _run("db", "upgrade", env=env).returncode == 0
    status = json.loads(_run("db", "current", "--json", env=env).stdout)
    assert status["up_to_date"] is True

    backup = tmp_path / "ledger.zip"
    made = _run("db", "backup", str(backup), "--json", env=env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["revision"] == status["head"]

    restored = _run("db", "restore", str(backup), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout


def test_a_bad_backup_is_one_line_on_stderr_and_exit_1(env: dict[str, str], tmp_path: Path) -> None:
    garbage = tmp_path / "ledger.zip"
    garbage.write_bytes(b"PK not really")
    result = _run("db", "restore", str(garbage), "--yes", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: {garbage} is not a workbench ledger backup: not a zip archive"
    ]


def test_the_db_group_loads_without_sqlalchemy() -> None:
    """``workbench --help`` must stay fast: the ledger's libraries load only inside commands."""
    code = (
        "import sys\n"
        "from workbench.interfaces.cli.app import app\n"
        "for args in (['--help'], ['db', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def _backup_with_audit(env: dict[str, str], tmp_path: Path) -> Path:
    from workbench.ledger import Ledger, append_audit

    with Ledger.from_url(env["WB_LEDGER_URL"]) as ledger:
        ledger.upgrade()
        with ledger.session() as session:
            append_audit(session, kind="order.intent", actor="test", payload={"qty": "10"})
    backup = tmp_path / "ledger.zip"
    made = _run("db", "backup", str(backup), env=env)
    assert made.returncode == 0, made.stderr
    return backup


def _flip_a_byte(backup: Path) -> Path:
    import zipfile

    data = bytearray(backup.read_bytes())
    with zipfile.ZipFile(backup) as archive:
        info = archive.getinfo("tables/audit_records.jsonl")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01
    damaged = backup.with_name("damaged.zip")
    damaged.write_bytes(bytes(data))
    return damaged


def _forge_audit(backup: Path) -> Path:
    """The audit record edited, and the manifest's checksums recomputed to match."""
    import hashlib
    import zipfile

    with zipfile.ZipFile(backup) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    entry = "tables/audit_records.jsonl"
    files[entry] = files[entry].replace(b'"qty": "10"', b'"qty": "-2000"')
    manifest = json.loads(files["manifest.json"])
    manifest["checksums"]["audit_records"] = hashlib.sha256(files[entry]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    forged = backup.with_name("forged.zip")
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return forged


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (_flip_a_byte, "is damaged: tables/audit_records.jsonl"),
        (_forge_audit, "its audit chain is broken (record 1 was changed after it was written)"),
    ],
)
def test_a_backup_that_does_not_prove_itself_is_refused_in_one_line(
    env: dict[str, str], tmp_path: Path, spoil: Any, words: str
) -> None:
    backup = _backup_with_audit(env, tmp_path)
    bad = spoil(backup)
    with_record = _run("audit", "show", "--json", env=env)
    result = _run("db", "restore", str(bad), "--yes", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    assert _run("audit", "verify", env=env).returncode == 0
    assert _run("audit", "show", "--json", env=env).stdout == with_record.stdout


def test_a_backup_is_never_written_over_the_ledger(env: dict[str, str]) -> None:
    from workbench.core.outputs import sqlite_file

    database = sqlite_file(env["WB_LEDGER_URL"])
    if database is None:
        pytest.skip("the ledger is not a file")
    assert _run("db", "upgrade", env=env).returncode == 0
    before = database.read_bytes()
    result = _run("db", "backup", str(database), "--force", env=env)
    assert result.returncode == 1 and "inside the workbench's own store" in result.stderr
    assert database.read_bytes() == before
    assert _run("db", "current", env=env).returncode == 0
