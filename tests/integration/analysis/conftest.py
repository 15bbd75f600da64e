"""Fixtures of the analysis use cases: the bundled sample loaded once into a lake, and runtimes
that read it.

The lake is loaded once per session (about 3 s) and only read afterwards. A test that writes
the ledger gets its own home whose ``lake`` links to the shared one, so no test sees another's
ledger. ``tests/conftest.py`` points ``WB_HOME`` at a fresh folder for every test, so runtimes
here are built from explicit settings, never from the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.config import load_settings
from workbench.data.sample import read_sample
from workbench.runtime import Runtime

NEW_YORK = "America/New_York"


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Path:
    """A lake holding the bundled sample, as `workbench data load-sample` leaves it."""
    return shared_sample_lake


def home_with_lake(home: Path, lake: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "lake").symlink_to(lake, target_is_directory=True)
    return home


@pytest.fixture(scope="module")
def rt(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime over the sample, shared by a module's read-only tests."""
    home = home_with_lake(tmp_path_factory.mktemp("analysis-home"), sample_lake)
    with Runtime.from_settings(load_settings(home=home)) as runtime:
        yield runtime
        runtime.data.close()


@pytest.fixture
def own_rt(sample_lake: Path, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime with its own (empty) ledger over the shared sample lake."""
    home = home_with_lake(tmp_path / "home", sample_lake)
    with Runtime.from_settings(load_settings(home=home)) as runtime:
        yield runtime
        runtime.data.close()


@pytest.fixture
def cli_home(sample_lake: Path, wb_home: Path) -> Path:
    """The sample lake inside this test's ``WB_HOME``, for commands that open their runtime."""
    return home_with_lake(wb_home, sample_lake)


Holdings = Callable[..., None]


@pytest.fixture
def put_holdings() -> Holdings:
    """Write an account with positions (symbol -> qty) and cash movements into a ledger."""
    from workbench.ledger import AccountRow, CashMovementRow, PositionRow

    def put(
        runtime: Runtime,
        positions: dict[str, str],
        deposits: tuple[str, ...] = (),
        account: str = "main",
    ) -> None:
        moment = datetime(2018, 2, 7, 21, 0, tzinfo=UTC)
        with runtime.ledger.session() as session:
            row = AccountRow(name=account, broker="paper")
            session.add(row)
            session.flush()
            session.add_all(
                PositionRow(account_id=row.id, symbol=symbol, qty=Decimal(qty))
                for symbol, qty in positions.items()
            )
            session.add_all(
                CashMovementRow(
                    account_id=row.id,
                    amount=Decimal(amount),
                    kind="deposit",
                    reference=f"{account}-{number}",
                    occurred_at=moment,
                )
                for number, amount in enumerate(deposits)
            )

    return put


@pytest.fixture(scope="session")
def closes() -> pd.DataFrame:
    """Daily closes straight from the bundled file (not through the lake), by session date,
    without the two SPY rows the loader drops (their low is above the open or close)."""
    bars = read_sample("bars_1d")
    broken = bars["low"] > bars[["open", "close"]].min(axis=1)
    bars = bars.loc[~broken]
    bars["date"] = bars["timestamp"].dt.tz_convert(NEW_YORK).dt.tz_localize(None)
    return bars.pivot(index="date", columns="symbol", values="close")
