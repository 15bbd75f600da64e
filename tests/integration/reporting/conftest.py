"""Fixtures of the report tests: the bundled sample in a lake (loaded once), and a home whose
ledger holds a paper session traded through the real engine (``paper_session.py``)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from workbench.core.config import load_settings
from workbench.runtime import Runtime


def load_helper(stem: str) -> ModuleType:
    """A helper module beside this file (tests import by path: pytest runs in importlib mode)."""
    name = f"reporting_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{stem}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Path:
    return shared_sample_lake


def home_with_lake(home: Path, lake: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "lake").symlink_to(lake, target_is_directory=True)
    return home


@dataclass(frozen=True)
class Paper:
    rt: Runtime
    session: Any  # paper_session.PaperSession


@pytest.fixture(scope="module")
def paper(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paper]:
    """A runtime over the sample whose SQLite ledger holds one paper session."""
    home = home_with_lake(tmp_path_factory.mktemp("report-home"), sample_lake)
    module = load_helper("paper_session")
    with Runtime.from_settings(load_settings(home=home, **module.session_settings())) as runtime:
        yield Paper(runtime, module.write_paper_session(runtime))
        runtime.data.close()


@pytest.fixture(scope="session")
def readback() -> ModuleType:
    """``readback.py``: read a rendered report back in each format."""
    return load_helper("readback")


@pytest.fixture(scope="session")
def paper_session() -> ModuleType:
    """``paper_session.py``: trades a paper session through the engine into a ledger."""
    return load_helper("paper_session")
