"""Atomic output: a report is written beside its target under a temporary name and renamed into
place, so a reader never sees half a file and a failure leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.core.errors import DataError

__all__ = ["atomic_directory", "atomic_file", "check_target"]


def check_target(target: Path, *, directory: bool = False) -> Path:
    """``target`` made absolute, or a DataError naming it when it cannot be written."""
    path = Path(target).expanduser().absolute()
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise DataError(f"cannot write {path}: {parent} is a file, not a folder")
    if not parent.is_dir():
        raise DataError(f"cannot write {path}: the folder {parent} does not exist")
    if path.is_dir() and not directory:
        raise DataError(f"cannot write {path}: it is a folder; give a file name")
    if path.exists() and not path.is_dir() and directory:
        raise DataError(f"cannot write {path}: a file is in the way of the folder of tables")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {path}: the folder {parent} is not writable")
    return path


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``; it becomes ``target`` when the block succeeds."""
    path = check_target(target)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target``; it replaces ``target`` when the block succeeds."""
    path = check_target(target, directory=True)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield temporary
        os.chmod(temporary, 0o755)  # noqa: S103 - a report folder is for reading
        _swap(temporary, path)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _swap(fresh: Path, path: Path) -> None:
    if not path.exists():
        fresh.rename(path)
        return
    # a folder cannot be renamed over a non-empty one: move the old aside first
    retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    retired.rmdir()
    path.rename(retired)
    try:
        fresh.rename(path)
    except OSError:
        retired.rename(path)
        raise
    shutil.rmtree(retired, ignore_errors=True)
