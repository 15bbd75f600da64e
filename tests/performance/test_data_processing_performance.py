"""Data at volume, with results checked: generated minute bars ingested into the lake while
other threads query it, and generated quotes through the monitoring pipeline from several
threads at once. Every query answers exactly what was written, a second ingest changes
nothing, and the pipeline's latest prices, drops and alerts equal what the quotes imply,
computed here independently. Rates are printed (benchmarks/bench_lake.py and bench_stream.py
measure the budgets).

Scale: ``WB_LOAD_SCALE`` (tests/performance/conftest.py) multiplies the bars and quotes.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.performance.conftest import load_scale
from workbench.core.clock import LiveClock
from workbench.data import Lake
from workbench.ledger import Ledger
from workbench.monitoring import (
    MonitorStore,
    QuoteBatch,
    QuotePipeline,
    RuleEngine,
    RuleSpec,
    SymbolIndex,
    check_rule,
)
from workbench.testing import generated_bars

pytestmark = [pytest.mark.performance, pytest.mark.requirement("PRF-09", "PRF-13")]

START_NS = 1_700_000_000 * 10**9


def _minute_bars(first: int, symbols: int, rows: int) -> pd.DataFrame:
    frame = generated_bars(symbols=symbols, rows=rows, freq="1min", start="2020-01-02", seed=first)
    frame["symbol"] = frame["symbol"].map(lambda s: f"GEN{int(s[3:]) + first}")
    return frame


def test_queries_during_an_ingest_answer_exactly_what_was_written(tmp_path: Path) -> None:
    rows = round(40_000 * load_scale())
    stored, arriving = _minute_bars(0, 3, rows), _minute_bars(3, 3, rows)
    lake = Lake(tmp_path / "lake")
    began = time.perf_counter()
    first = lake.ingest(stored, "bars_1m", policy="drop")
    seconds = time.perf_counter() - began
    assert first.new == len(stored)
    expected = {s: frame.reset_index(drop=True) for s, frame in stored.groupby("symbol")}
    wrong: list[str] = []
    writing = threading.Event()

    def query(symbol: str) -> int:
        done = 0
        while writing.is_set() or done < 2:
            got = lake.bars(symbol, timeframe="1m")
            done += 1
            columns = list(expected[symbol].columns)
            try:
                pd.testing.assert_frame_equal(
                    got[columns].reset_index(drop=True), expected[symbol], check_dtype=False
                )
            except AssertionError as difference:
                wrong.append(f"{symbol}: {difference}")
        return done

    writing.set()
    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(query, symbol) for symbol in expected]
        second = lake.ingest(arriving, "bars_1m", policy="drop")
        writing.clear()
        reads = sum(reader.result() for reader in readers)
    assert not wrong, "\n".join(wrong[:5])
    assert second.new == len(arriving)
    again = lake.ingest(pd.concat([stored, arriving]), "bars_1m", policy="drop")
    assert (again.new, again.replaced, again.unchanged) == (0, 0, 2 * rows * 3)
    coverage = lake.coverage("bars_1m").set_index("symbol")["rows"]
    assert coverage.to_dict() == {f"GEN{n}": rows for n in range(6)}
    lake.close()
    print(
        f"\ningest {len(stored):,} minute bars: {len(stored) / seconds:,.0f} bars/s; "
        f"{reads} exact reads of a symbol's {rows:,} bars during a second ingest"
    )


def _quotes(
    index: SymbolIndex, producer: int, symbols: int, count: int
) -> tuple[list[str], QuoteBatch]:
    """``count`` random-walk quotes (generated, not market data) on this producer's own
    symbols, in time order, with one in two hundred zero or crossed."""
    rng = np.random.default_rng(producer)
    names = [f"GEN{producer}X{n}" for n in range(symbols)]
    codes = index.codes(names)
    which = rng.integers(0, symbols, count)
    mid = 100 * np.exp(np.cumsum(rng.normal(0, 0.0005, (count, symbols)), axis=0))
    mid = mid[np.arange(count), which]
    bid, ask = mid * 0.9999, mid * 1.0001
    bad = rng.random(count)
    bid[bad < 0.0025] = 0.0
    crossed = (bad >= 0.0025) & (bad < 0.005)
    bid[crossed], ask[crossed] = ask[crossed] * 1.001, bid[crossed]
    ts = START_NS + np.arange(count, dtype=np.int64) * 1_000_000
    sizes = np.full(count, 100.0)
    return names, QuoteBatch(codes[which], ts, bid, ask, sizes, sizes)


def test_quotes_from_several_threads_leave_the_right_prices_and_alerts(tmp_path: Path) -> None:
    producers, symbols, per_producer = 4, 25, round(50_000 * load_scale())
    level = 101.5  # every walk starts at 100: a symbol's rule fires when its mid rises past
    index = SymbolIndex()
    made = [_quotes(index, p, symbols, per_producer) for p in range(producers)]
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    store = MonitorStore(ledger)
    rules = [
        check_rule(
            RuleSpec(f"above-{name}", "price_above", {"level": level}, scope=name),
            symbols=None,
            channels={"log"},
        )
        for names, _ in made
        for name in names
    ]
    engine = RuleEngine([store.add_rule(rule) for rule in rules], store, index=index)
    pipeline = QuotePipeline(engine, clock=LiveClock())

    def produce(batch: QuoteBatch) -> list[str]:
        scopes = []
        for start in range(0, len(batch), 5_000):
            rows = np.arange(start, min(start + 5_000, len(batch)))
            scopes += [str(alert.scope) for alert in pipeline.process(batch.take(rows))]
        return scopes

    began = time.perf_counter()
    with ThreadPoolExecutor(producers) as pool:
        alerted = {s for scopes in pool.map(produce, [b for _, b in made]) for s in scopes}
    seconds = time.perf_counter() - began

    valid_mids: dict[str, list[float]] = {}
    invalid = 0
    for _, batch in made:
        good = (batch.bid > 0) & (batch.bid <= batch.ask)
        invalid += int((~good).sum())
        mids = (batch.bid + batch.ask) / 2
        for code, mid in zip(batch.symbol[good], mids[good], strict=True):
            valid_mids.setdefault(index.name(int(code)), []).append(float(mid))
    stats = pipeline.stats()
    assert stats.processed == producers * per_producer
    assert sum(stats.dropped_invalid.values()) == invalid
    for symbol, mids in valid_mids.items():
        assert pipeline.cache.price(symbol) == pytest.approx(mids[-1], rel=1e-12), symbol
    assert alerted == {symbol for symbol, mids in valid_mids.items() if max(mids) > level}
    ledger.dispose()
    total = producers * per_producer
    print(
        f"\n{total:,} quotes from {producers} threads over {producers * symbols} symbols: "
        f"{total / seconds:,.0f} quotes/s, {len(alerted)} symbols alerted, {invalid} invalid"
    )
