"""Files are private: the home and every store in it are created readable by the owner only
(folders 0700, files 0600), whatever the umask, as backups and reports are."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.exchange.store import ExchangeStore
from workbench.ops import report as report_ops
from workbench.runtime import Runtime
from workbench.testing import generated_bars

pytestmark = pytest.mark.requirement("CFG-04")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask, under which files come out world-readable."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for folder, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_a_new_home_and_its_stores_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    home = tmp_path / "fresh" / "home"
    with Runtime.from_settings(load_settings(home=home)) as rt:
        rt.ledger.current()
        rt.data.ingest(generated_bars(1, 30), "bars_1m")
        books = [ExchangeStore(home / "paper" / "book.db")]
        books.append(ExchangeStore(home / "exchange" / "exchange.db"))
        exported = report_ops.export(rt, "orders")
        found = modes(home)
        for book in books:
            book.close()
        rt.data.close()

    assert Path(exported.path).parent == home / "reports"
    expected = {"ledger.db", "ledger.db-wal", "ledger.db-shm", "paper/book.db"}
    expected |= {"exchange/exchange.db", "lake/bars_1m"}
    assert expected <= set(found), sorted(found)
    loose = {
        name: oct(mode)
        for name, mode in found.items()
        if mode != (0o700 if (home / name).is_dir() else 0o600)
    }
    assert loose == {}, "every folder 0700 and every file 0600"
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700
