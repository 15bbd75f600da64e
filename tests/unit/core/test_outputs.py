"""Writes a user can aim: atomic, never in a store, never over what the workbench did not
write, over an existing output only with ``force``, private whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.core.errors import DataError
from workbench.core.outputs import (
    MARKER,
    aimed_target,
    atomic_file,
    atomic_folder,
    check_target,
    private_file,
    private_folder,
    sqlite_file,
    store_paths,
)

pytestmark = pytest.mark.requirement("SEC-06")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would make everything world-readable and writable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_then_fail(target: AbstractContextManager[Path], name: str = "") -> None:
    """Write into the temporary file (or a file in the temporary folder), then fail."""
    with target as temporary:
        (temporary / name if name else temporary).write_text("half")
        raise RuntimeError("renderer failed")


def test_a_file_appears_only_when_the_block_succeeds(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "r.html"
    with atomic_file(target) as temporary:
        temporary.write_text("<html>")
        assert not target.exists() and temporary.parent == tmp_path
    assert target.read_text() == "<html>"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert mode(target) == 0o600


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("yesterday")
    with pytest.raises(DataError, match="already exists; pass --force to replace it"):
        write_then_fail(atomic_file(target))
    assert target.read_text() == "yesterday"
    with atomic_file(target, force=True) as temporary:
        temporary.write_text("today")
    assert target.read_text() == "today"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_a_file_that_appears_while_writing_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "r.html"

    def race() -> None:
        with atomic_file(target) as temporary:
            temporary.write_text("mine")
            target.write_text("someone else's")

    with pytest.raises(DataError, match="already exists"):
        race()
    assert target.read_text() == "someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_a_failing_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("yesterday")
    with pytest.raises(RuntimeError, match="renderer failed"):
        write_then_fail(atomic_file(target, force=True))
    assert target.read_text() == "yesterday"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_a_folder_is_marked_private_and_replaced_whole_only_with_force(
    tmp_path: Path, open_umask: None
) -> None:
    target = tmp_path / "tables"
    with atomic_folder(target) as folder:
        (folder / "a.csv").write_text("1")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "a.csv"]
    assert mode(target) == 0o700 and mode(target / "a.csv") == 0o600
    with pytest.raises(DataError, match="already exists; pass --force"):
        write_then_fail(atomic_folder(target), name="b.csv")
    with atomic_folder(target, force=True) as folder:
        (folder / "b.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "b.csv"]
    with pytest.raises(RuntimeError, match="renderer failed"):
        write_then_fail(atomic_folder(target, force=True), name="c.csv")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "b.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["tables"]


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_the_workbench_did_not_write_is_never_replaced(
    tmp_path: Path, force: bool
) -> None:
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"\xff\xd8 a photo")
    with pytest.raises(DataError, match="a folder the workbench did not write"):
        write_then_fail(atomic_folder(mine, force=force), name="a.csv")
    assert [p.name for p in mine.iterdir()] == ["holiday.jpg"]
    assert (mine / "holiday.jpg").read_bytes() == b"\xff\xd8 a photo"
    assert [p.name for p in tmp_path.iterdir()] == ["photos"]


@pytest.mark.parametrize(
    ("relative", "folder", "words"),
    [
        ("missing/r.pdf", False, "the folder .*missing does not exist"),
        ("file/r.pdf", False, "file is a file, not a folder"),
        ("folder", False, "it is a folder; give a file name"),
        ("file", True, "a file is in the way of the folder of tables"),
        ("folder", True, "a folder the workbench did not write"),
        ("file", False, "already exists; pass --force"),
    ],
)
def test_targets_that_cannot_be_written_are_named(
    tmp_path: Path, relative: str, folder: bool, words: str
) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    with pytest.raises(DataError, match=words) as caught:
        check_target(tmp_path / relative, folder=folder)
    assert str(tmp_path / relative) in caught.value.message


def test_a_read_only_filesystem_is_a_clear_error() -> None:
    with pytest.raises(DataError, match=r"cannot write /proc/r\.html"):
        write_then_fail(atomic_file(Path("/proc/r.html")))


def test_the_stores_and_the_ledger_are_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "lake" / "bars_1d").mkdir(parents=True)
    elsewhere = tmp_path / "db" / "ledger.sqlite"
    settings = load_settings(home=home, ledger_url=f"sqlite:///{elsewhere}")
    stores = store_paths(settings)
    for aimed in (
        home / "lake",
        home / "lake" / "bars_1d",
        home / "lake" / "new.csv",
        home / "paper" / "book.db",
        home / "exchange" / "exchange.db",
        home / "runs" / "7",
        home / "ledger.db",
        home / "ledger.db-wal",
        elsewhere,
        tmp_path / "db" / ".." / "db" / "ledger.sqlite",
    ):
        with pytest.raises(DataError, match="inside the workbench's own store"):
            aimed_target(aimed, stores=stores, force=True)
    assert aimed_target(home / "report.html", stores=stores) == home / "report.html"


def test_a_link_into_a_store_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "lake").mkdir(parents=True)
    (tmp_path / "shortcut").symlink_to(home / "lake", target_is_directory=True)
    stores = store_paths(load_settings(home=home))
    with pytest.raises(DataError, match="inside the workbench's own store"):
        aimed_target(tmp_path / "shortcut" / "bars.csv", stores=stores)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////srv/wb/ledger.db", Path("/srv/wb/ledger.db")),
        ("sqlite+pysqlite:////srv/wb/ledger.db?timeout=5", Path("/srv/wb/ledger.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_the_ledger_file_of_a_url(url: str, expected: Path | None) -> None:
    assert sqlite_file(url) == expected


def test_private_stores_are_made_owner_only_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    home = private_folder(tmp_path / "a" / "home")
    assert mode(home) == 0o700 and mode(tmp_path / "a") == 0o700
    book = private_file(home / "paper" / "book.db")
    assert book.read_bytes() == b"" and mode(book) == 0o600 and mode(book.parent) == 0o700
    book.write_bytes(b"kept")
    os.chmod(book, 0o644)
    assert private_file(book).read_bytes() == b"kept" and mode(book) == 0o600


def test_missing_folders_are_made_only_for_a_target_outside_the_stores(tmp_path: Path) -> None:
    home = tmp_path / "home"
    stores = store_paths(load_settings(home=home))
    with pytest.raises(DataError, match="inside the workbench's own store"):
        aimed_target(home / "lake" / "new" / "b.zip", stores=stores, make_parents=True)
    assert not (home / "lake").exists()
    target = aimed_target(tmp_path / "nightly" / "b.zip", stores=stores, make_parents=True)
    assert target.parent.is_dir() and mode(target.parent) == 0o700
