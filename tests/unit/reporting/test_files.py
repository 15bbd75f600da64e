"""Atomic writes: the target appears whole or not at all, and nothing is left beside it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from workbench.core.errors import DataError
from workbench.reporting.files import atomic_directory, atomic_file, check_target


def write_then_fail(target: AbstractContextManager[Path], name: str = "") -> None:
    """Write into the temporary file (or a file in the temporary folder), then fail."""
    with target as temporary:
        (temporary / name if name else temporary).write_text("half")
        raise RuntimeError("renderer failed")


def test_a_file_appears_only_when_the_block_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    with atomic_file(target) as temporary:
        temporary.write_text("<html>")
        assert not target.exists() and temporary.parent == tmp_path
    assert target.read_text() == "<html>"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_a_failing_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("yesterday")
    with pytest.raises(RuntimeError, match="renderer failed"):
        write_then_fail(atomic_file(target))
    assert target.read_text() == "yesterday"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_a_folder_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target = tmp_path / "tables"
    with atomic_directory(target) as folder:
        (folder / "a.csv").write_text("1")
    with atomic_directory(target) as folder:
        (folder / "b.csv").write_text("2")
    assert [p.name for p in target.iterdir()] == ["b.csv"]
    with pytest.raises(RuntimeError, match="renderer failed"):
        write_then_fail(atomic_directory(target), name="c.csv")
    assert [p.name for p in target.iterdir()] == ["b.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["tables"]


@pytest.mark.parametrize(
    ("relative", "directory", "words"),
    [
        ("missing/r.pdf", False, "the folder .*missing does not exist"),
        ("file/r.pdf", False, "file is a file, not a folder"),
        ("folder", False, "it is a folder; give a file name"),
        ("file", True, "a file is in the way of the folder of tables"),
    ],
)
def test_targets_that_cannot_be_written_are_named(
    tmp_path: Path, relative: str, directory: bool, words: str
) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    with pytest.raises(DataError, match=words) as caught:
        check_target(tmp_path / relative, directory=directory)
    assert str(tmp_path / relative) in caught.value.message


def test_a_read_only_filesystem_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"cannot write /proc/r\.html"):
        write_then_fail(atomic_file(Path("/proc/r.html")))
