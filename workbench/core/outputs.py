"""Writes a user can aim: the one rule every command that writes a file or folder follows.

- A target inside the workbench home's stores (ledger, lake, paper book, exchange book, runs)
  or equal to the ledger's database file is refused (``aimed_target``).
- A folder is replaced only when the workbench wrote it: an output folder carries the marker
  file ``.workbench-output``; a folder without it is never deleted or replaced.
- An existing file (or marked folder) is replaced only when the caller passes ``force``.
- The write is atomic: it goes to a temporary beside the target and is renamed into place, so a
  reader sees the old output or the whole new one and a failure leaves nothing behind.
- What is written is readable by its owner only (files 0600, folders 0700), whatever the umask;
  ``private_folder`` and ``private_file`` create the stores themselves the same way.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import DataError

if TYPE_CHECKING:
    from workbench.core.config import Settings

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "MARKER",
    "STORE_NAMES",
    "aimed_target",
    "atomic_file",
    "atomic_folder",
    "check_target",
    "private_file",
    "private_folder",
    "sqlite_file",
    "store_paths",
]

#: the file that marks a folder as written by the workbench (and so replaceable by it)
MARKER = ".workbench-output"
FILE_MODE = 0o600
FOLDER_MODE = 0o700
#: the stores under ``<home>`` no output may land in
STORE_NAMES = ("lake", "paper", "exchange", "runs", "secrets")
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def store_paths(settings: Settings) -> tuple[Path, ...]:
    """The home's stores and the ledger's database files (when the ledger is SQLite)."""
    home = Path(settings.home).expanduser()
    paths = [home / name for name in STORE_NAMES]
    databases = [home / "ledger.db"]
    ledger = sqlite_file(settings.ledger_dsn)
    if ledger is not None:
        databases.append(ledger)
    for database in databases:
        paths.extend(database.with_name(database.name + end) for end in _SQLITE_COMPANIONS)
    return tuple(paths)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, or None (another database, or in memory)."""
    scheme, _, rest = url.partition("://")
    if not scheme.startswith("sqlite") or not rest.startswith("/"):
        return None
    database = rest[1:].split("?", 1)[0]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute()


def aimed_target(
    target: str | os.PathLike[str],
    *,
    stores: Sequence[Path] = (),
    folder: bool = False,
    force: bool = False,
    make_parents: bool = False,
) -> Path:
    """``target`` made absolute once it passes the rule of this module, else a DataError that
    names what is in the way. ``folder``: the output is a folder of files; ``make_parents``:
    missing folders on the way are created (0700) once the target is known not to be a store."""
    path = Path(target).expanduser().absolute()
    for store in stores:
        if _within(path, store):
            raise DataError(
                f"cannot write {path}: it is inside the workbench's own store {store}; "
                "write outputs elsewhere"
            )
    if make_parents and not os.path.lexists(path.parent):
        try:
            private_folder(path.parent, tighten=False)
        except OSError as exc:
            raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    return check_target(path, folder=folder, force=force)


def check_target(target: Path, *, folder: bool = False, force: bool = False) -> Path:
    """The parts of the rule that need no settings: the folder to write in exists and is
    writable, and whatever is at ``target`` may be replaced."""
    path = Path(target).expanduser().absolute()
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise DataError(f"cannot write {path}: {parent} is a file, not a folder")
    if not parent.is_dir():
        raise DataError(f"cannot write {path}: the folder {parent} does not exist")
    if path.is_dir() and not path.is_symlink():
        if not folder:
            raise DataError(f"cannot write {path}: it is a folder; give a file name")
        if not (path / MARKER).is_file():
            raise DataError(
                f"cannot write {path}: it is a folder the workbench did not write, and it is "
                "left alone; give a folder that does not exist yet"
            )
    elif os.path.lexists(path):
        if folder:
            raise DataError(f"cannot write {path}: a file is in the way of the folder of tables")
        if path.is_dir():  # a link to a folder
            raise DataError(f"cannot write {path}: it is a folder; give a file name")
    if os.path.lexists(path) and not force:
        raise DataError(f"cannot write {path}: it already exists; pass --force to replace it")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {path}: the folder {parent} is not writable")
    return path


def _within(path: Path, store: Path) -> bool:
    store = Path(store).expanduser().absolute()
    lexical = Path(os.path.normpath(path)), Path(os.path.normpath(store))
    resolved = path.resolve(), store.resolve()
    return any(p == s or s in p.parents for p, s in (lexical, resolved))


@contextmanager
def atomic_file(target: Path, *, force: bool = False) -> Iterator[Path]:
    """A private temporary file beside ``target``; it becomes ``target`` when the block
    succeeds. Without ``force`` an existing ``target`` is kept and the write refused."""
    path = check_target(target, force=force)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, FILE_MODE)
        _fsync(temporary)
        _place_file(temporary, path, force=force)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(path.parent)


@contextmanager
def atomic_folder(target: Path, *, force: bool = False) -> Iterator[Path]:
    """A private temporary folder beside ``target``; marked as the workbench's, it replaces
    ``target`` when the block succeeds. Only a folder that carries the marker is replaced."""
    path = check_target(target, folder=True, force=force)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield temporary
        (temporary / MARKER).write_text("written by workbench; replaced by its next write\n")
        for item in temporary.iterdir():
            os.chmod(item, FOLDER_MODE if item.is_dir() else FILE_MODE)
        os.chmod(temporary, FOLDER_MODE)
        _place_folder(temporary, path, force=force)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _place_file(fresh: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(fresh, path)
        return
    # a hard link fails if the name was taken meanwhile: the no-clobber rename POSIX lacks
    try:
        os.link(fresh, path)
    except FileExistsError:
        raise DataError(
            f"cannot write {path}: it already exists; pass --force to replace it"
        ) from None
    except OSError:  # a filesystem without hard links
        if os.path.lexists(path):
            raise
        os.replace(fresh, path)
        return
    fresh.unlink()


def _place_folder(fresh: Path, path: Path, *, force: bool) -> None:
    if not os.path.lexists(path):
        fresh.rename(path)
        return
    check_target(path, folder=True, force=force)  # again: it may have changed while we wrote
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


def _fsync(path: Path) -> None:
    # durable before the name points at it; not every platform can open a directory
    with suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def private_folder(path: Path, *, tighten: bool = True) -> Path:
    """``path`` and any missing parents created 0700; with ``tighten`` an existing ``path`` is
    made 0700 too (parents that exist already are the user's and are left as they are)."""
    path = Path(path).expanduser()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for created in (*missing, path) if tighten else missing:
        with suppress(OSError):
            if stat.S_IMODE(created.stat().st_mode) != FOLDER_MODE:
                os.chmod(created, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty with mode 0600 if missing (so SQLite and friends open a private
    file, and SQLite gives its -wal and -shm files the same mode); an existing one made 0600."""
    path = Path(path).expanduser()
    private_folder(path.parent, tighten=False)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    with suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)
    return path
