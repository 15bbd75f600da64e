"""Monitoring's unit tests run the rules against a real SQLite ledger on ``tmp_path`` (it costs
milliseconds) and build quote batches from readable lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from workbench.ledger import Ledger
from workbench.monitoring import MonitorStore, QuoteBatch, SymbolIndex, to_nanos

T0 = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)


def at(seconds: float) -> int:
    return to_nanos(T0 + timedelta(seconds=seconds))


def batch(
    index: SymbolIndex,
    rows: Sequence[tuple[str, float, float, float]],
) -> QuoteBatch:
    """Rows of (symbol, seconds after T0, bid, ask), in arrival order."""
    return QuoteBatch(
        index.codes([r[0] for r in rows]),
        np.array([at(r[1]) for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
        np.full(len(rows), 100.0),
        np.full(len(rows), 100.0),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MonitorStore]:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    yield MonitorStore(ledger)
    ledger.dispose()
