"""A paper broker over a real lake on a temporary folder, loaded once with the bundled sample."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.data import Lake


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Path:
    return shared_sample_lake


@pytest.fixture
def make_paper(sample_lake: Path) -> Callable[..., PaperBroker]:
    """``make_paper(**PaperConfig fields)``: a fresh broker with one new account."""

    def build(**settings: Any) -> PaperBroker:
        return PaperBroker.from_lake(Lake(sample_lake), PaperConfig(**settings))

    return build


@pytest.fixture
def paper(make_paper: Callable[..., PaperBroker]) -> PaperBroker:
    """One minute before the open of 2017-01-03 (AAPL opened at 115.80 and closed at 116.15)."""
    return make_paper(start=date(2017, 1, 3))
