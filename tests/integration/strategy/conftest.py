"""Fixtures for the strategy engine on the bundled real data (``workbench.data.sample``).

The sample is loaded once per session into a lake of its own; engine tests read it, and tests
of the ops and CLI faces get it linked into their ``WB_HOME`` (nothing here writes to the lake).
Daily bars are indexed by New York session date, as ``ops.strategy.load_bars`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest

from workbench.data import Lake
from workbench.strategy import Bars

#: the fixed window and symbols the pinned figures of the tests are measured on
WINDOW = (date(2014, 1, 1), date(2016, 12, 31))
SYMBOLS = ("AAPL", "JPM", "MSFT", "XOM")

BarsOf = Callable[..., Bars]


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Lake:
    return Lake(shared_sample_lake, policy="drop")


@pytest.fixture(scope="session")
def bars_of(sample_lake: Lake) -> BarsOf:
    """``bars_of(symbols, start, end)``: daily bars from the sample (defaults: the window)."""

    def read(
        symbols: Sequence[str] = SYMBOLS, start: date = WINDOW[0], end: date = WINDOW[1]
    ) -> Bars:
        return Bars.from_long(sample_lake.bars(list(symbols), start, end)).by_session()

    return read


@pytest.fixture(scope="session")
def bars(bars_of: BarsOf) -> Bars:
    """AAPL, JPM, MSFT and XOM, 2014-2016 (756 sessions)."""
    return bars_of()


@pytest.fixture
def home_with_sample(wb_home: Path, sample_lake: Lake) -> Path:
    """This test's ``WB_HOME`` with the session's sample lake linked in (read-only use)."""
    (wb_home / "lake").symlink_to(sample_lake.root, target_is_directory=True)
    return wb_home
