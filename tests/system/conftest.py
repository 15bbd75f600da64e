"""What the system tests share: a fresh ``WB_HOME`` per test holding a writable copy (hard
links) of the sample lake that ``tests/conftest.py`` loads once for the whole run, so a command
that writes to its lake never changes what another test reads."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Path:
    return shared_sample_lake


@pytest.fixture
def home(sample_home: Path) -> Path:
    """This test's WB_HOME, its lake a copy of the sample."""
    return sample_home
