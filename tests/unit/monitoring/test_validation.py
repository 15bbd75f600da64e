from __future__ import annotations

import numpy as np
import pytest

from tests.unit.monitoring.conftest import at, batch
from workbench.monitoring import LatestPrices, QuoteBatch, QuoteValidator, SymbolIndex
from workbench.monitoring.validation import _out_of_order, _out_of_order_slow

pytestmark = pytest.mark.requirement("MON-01")


def test_bad_quotes_are_dropped_and_counted() -> None:
    index = SymbolIndex()
    validator = QuoteValidator(max_age_ns=60 * 10**9)
    quotes = batch(
        index,
        [
            ("AAPL", 100, 10.0, 10.1),  # good
            ("AAPL", 101, 0.0, 10.1),  # zero bid
            ("MSFT", 100, 20.2, 20.1),  # crossed
            ("MSFT", 10, 20.0, 20.1),  # stale: 100 s before now
            ("AAPL", 99, 10.0, 10.1),  # older than the good AAPL quote before it
            ("MSFT", 102, 20.0, 20.1),  # good
            ("AAPL", 100, 10.0, 10.2),  # same time as the newest: kept
        ],
    )
    valid = validator.validate(quotes, np.empty(0, np.int64), now_ns=at(110))
    assert [index.name(c) for c in valid.symbol] == ["AAPL", "AAPL", "MSFT"]
    assert valid.ask.tolist() == [10.1, 10.2, 20.1]
    assert validator.counts.to_dict() == {
        "accepted": 3,
        "dropped": 4,
        "zero": 1,
        "crossed": 1,
        "stale": 1,
        "out_of_order": 1,
    }


def test_a_quote_older_than_the_cached_one_is_out_of_order() -> None:
    index = SymbolIndex(["AAPL", "MSFT"])
    cache = LatestPrices(index)
    validator = QuoteValidator()
    cache.update(validator.validate(batch(index, [("AAPL", 50, 1.0, 1.1)]), cache.ts, None))
    later = validator.validate(
        batch(index, [("AAPL", 40, 1.0, 1.1), ("MSFT", 40, 2.0, 2.1), ("AAPL", 60, 1.2, 1.3)]),
        cache.ts,
        None,
    )
    assert later.ts.tolist() == [at(60), at(40)]
    assert validator.counts.out_of_order == 1
    cache.update(later)
    latest = cache.get("AAPL")
    assert latest is not None and latest.mid == 1.25 and latest.quotes == 2


def test_the_one_pass_running_maximum_matches_the_plain_loop() -> None:
    rng = np.random.default_rng(7)
    codes = np.sort(rng.integers(0, 40, 5000)).astype(np.int64)
    ts = rng.integers(0, 10**6, 5000).astype(np.int64) + 1_700_000_000 * 10**9
    last = rng.integers(-(10**6), 10**6, 40).astype(np.int64) + int(ts.min())
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    previous = np.clip(last[codes], int(ts.min()) - 1, int(ts.max()) + 1)
    fast = _out_of_order(codes, ts, last)
    assert 0 < fast.sum() < len(ts)
    assert (fast == _out_of_order_slow(codes, ts, previous, starts)).all()


def test_backpressure_keeps_the_newest_quote_of_each_symbol() -> None:
    index = SymbolIndex()
    quotes = batch(index, [("A", 1, 1, 2), ("B", 1, 5, 6), ("A", 2, 3, 4), ("C", 1, 7, 8)])
    kept = quotes.latest_per_symbol()
    assert [index.name(c) for c in kept.symbol] == ["B", "A", "C"]
    assert kept.bid.tolist() == [5, 3, 7]
    assert len(QuoteBatch.empty().latest_per_symbol()) == 0
