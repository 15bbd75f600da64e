"""Outputs never destroy what they did not create: every command that writes a file or folder
(``report generate`` as a file and as a folder, ``report export``, ``db backup``), run as the
installed command, against a folder of the user's files, the workbench's own stores, the live
ledger and an existing file without and with ``--force``. What was there is byte-identical
afterwards, and the ledger still works."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-06")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))

#: each writing command, with ``{out}`` where the target goes; folder: it writes a folder
COMMANDS: dict[str, tuple[list[str], bool]] = {
    "report csv": (["report", "generate", "quality", "--format", "csv", "--out", "{out}"], True),
    "report parquet": (
        ["report", "generate", "quality", "--format", "parquet", "--out", "{out}"],
        True,
    ),
    "report json": (["report", "generate", "quality", "--format", "json", "--out", "{out}"], False),
    "report daily": (["report", "generate", "daily", "--out", "{out}"], False),
    "export": (["report", "export", "orders", "--out", "{out}"], False),
    "backup": (["db", "backup", "{out}"], False),
}
REFUSALS = ["report daily"]  # refused before any work: it needs a paper session to succeed


def run(args: list[str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [WORKBENCH, *(str(out) if a == "{out}" else a for a in args), *extra]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=180, env=dict(os.environ), check=False
    )


def fingerprint(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links followed) by its SHA-256, and every folder."""
    if root.is_file():
        return {".": hashlib.sha256(root.read_bytes()).hexdigest()}
    found: dict[str, str] = {}
    for folder, folders, files in os.walk(root, followlinks=True):
        for name in folders:
            found[str((Path(folder) / name).relative_to(root))] = "folder"
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def ledger_home(home: Path) -> Path:
    """The sample's lake and a migrated ledger at ``<home>/ledger.db``, closed."""
    with Runtime.from_settings(load_settings(home=home)) as runtime:
        runtime.ledger.current()
    return home


def refused(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert result.stdout == ""
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def the_ledger_works(home: Path) -> None:
    check = subprocess.run(
        [WORKBENCH, "audit", "verify"], capture_output=True, text=True, timeout=120, check=False
    )
    assert check.returncode == 0, check.stderr
    assert (home / "ledger.db").stat().st_size > 0


@pytest.mark.parametrize(
    ("command", "force"), [*((c, True) for c in COMMANDS), ("report csv", False)]
)
def test_a_folder_of_the_users_files_is_left_alone(
    ledger_home: Path, tmp_path: Path, command: str, force: bool
) -> None:
    mine = tmp_path / "my files"
    (mine / "notes").mkdir(parents=True)
    (mine / "thesis.docx").write_bytes(b"four years of work")
    (mine / "notes" / "monday.txt").write_text("call the broker")
    before = fingerprint(mine)
    args, folder = COMMANDS[command]
    result = run(args, mine, *(["--force"] if force else []))
    if command == "backup":  # the argument parser refuses a folder for a backup file
        assert result.returncode == 2 and "is a directory" in result.stderr
    else:
        refused(result, "the workbench did not write" if folder else "it is a folder")
    assert fingerprint(mine) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my files"], "nothing left beside it"


STORE_CASES = [
    *((command, "lake/bars_1d") for command in COMMANDS),
    *(
        (command, store)
        for command in ("report parquet", "backup")
        for store in ("lake", "paper", "exchange", "runs/1")
    ),
]


@pytest.mark.parametrize(("command", "store"), STORE_CASES)
def test_the_workbenchs_stores_are_refused(ledger_home: Path, command: str, store: str) -> None:
    lake = fingerprint(ledger_home / "lake")
    args, folder = COMMANDS[command]
    target = ledger_home / store if folder else ledger_home / store / "out.file"
    refused(run(args, target, "--force"), "inside the workbench's own store")
    assert fingerprint(ledger_home / "lake") == lake
    assert not (ledger_home / store).exists() or store.startswith("lake")


@pytest.mark.parametrize(
    ("command", "name"), [*((c, "ledger.db") for c in COMMANDS), ("export", "ledger.db-wal")]
)
def test_the_live_ledger_is_refused(ledger_home: Path, command: str, name: str) -> None:
    ledger = ledger_home / "ledger.db"
    before = fingerprint(ledger)
    args, _folder = COMMANDS[command]
    refused(run(args, ledger_home / name, "--force"), "inside the workbench's own store")
    assert fingerprint(ledger) == before
    the_ledger_works(ledger_home)


def test_a_ledger_named_by_its_url_is_refused_wherever_it_is(
    ledger_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "books" / "ledger.sqlite"
    monkeypatch.setenv("WB_LEDGER_URL", f"sqlite:///{elsewhere}")
    made = run(["db", "upgrade"], elsewhere)
    assert made.returncode == 0, made.stderr
    before = fingerprint(elsewhere)
    for command in ("export", "backup", "report json"):
        args, _folder = COMMANDS[command]
        refused(run(args, elsewhere, "--force"), "inside the workbench's own store")
    assert fingerprint(elsewhere) == before


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in REFUSALS])
def test_an_existing_output_is_replaced_only_with_force(
    ledger_home: Path, tmp_path: Path, command: str
) -> None:
    args, folder = COMMANDS[command]
    target = tmp_path / ("report" if folder else "out.file")
    first = run(args, target)
    assert first.returncode == 0, first.stderr
    before = fingerprint(target)
    refused(run(args, target), "already exists; pass --force to replace it")
    assert fingerprint(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name], "no temporary left"
    again = run(args, target, "--force")
    assert again.returncode == 0, again.stderr
    assert target.is_dir() == folder
    if folder:
        assert (target / ".workbench-output").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.mark.parametrize("command", ["export", "backup", "report json"])
def test_a_file_of_the_users_is_replaced_only_with_force(
    ledger_home: Path, tmp_path: Path, command: str
) -> None:
    args, _folder = COMMANDS[command]
    mine = tmp_path / "budget.xlsx"
    mine.write_bytes(b"the user's own spreadsheet")
    refused(run(args, mine), "already exists; pass --force to replace it")
    assert mine.read_bytes() == b"the user's own spreadsheet"
    assert run(args, mine, "--force").returncode == 0
    assert mine.read_bytes() != b"the user's own spreadsheet"


def test_export_help_says_out_is_one_file() -> None:
    shown = subprocess.run(
        [WORKBENCH, "report", "export", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
        check=True,
    ).stdout
    assert "one file, not a folder" in shown and "--force" in shown
    assert "a folder for csv" not in shown
