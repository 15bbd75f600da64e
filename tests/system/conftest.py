"""What the system tests share: the bundled sample loaded once into a lake for the whole run,
and a fresh ``WB_HOME`` per test whose lake is that sample (the commands read it, never write
it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.data import Lake
from workbench.data.sample import load_sample


@pytest.fixture(scope="session")
def sample_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = Lake(tmp_path_factory.mktemp("system-sample") / "lake")
    load_sample(lake)
    lake.close()
    return lake.root


@pytest.fixture
def home(sample_lake: Path, wb_home: Path) -> Path:
    """This test's WB_HOME, its lake the sample."""
    (wb_home / "lake").symlink_to(sample_lake, target_is_directory=True)
    return wb_home
