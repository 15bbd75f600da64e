"""Figures for the quote pipeline: validation, the latest-price cache and rule evaluation.

Run: ``.venv/bin/python benchmarks/bench_stream.py [--quotes N] [--symbols N] [--batch N]``. A
plain script that prints figures (not part of the test suite). Budget (DESIGN.md): 200,000
quotes/s through validation, cache and rules, batched, on 2 cores; the system's requirement
(docs/requirements.md) is over 10,000 quotes/s processed. Both are printed beside the figures.

The quotes are generated (random walks for symbols ``GEN0``, ``GEN1``..., not market data), with
one in a thousand zero, crossed or out of order so validation has work to do. Rules live in a
real SQLite ledger on a temporary folder and raised alerts are written there with their queued
deliveries (channel ``log``), as in production:

* one ``price_above`` and one ``price_below`` rule per symbol at levels the walks cross once or
  twice, and ``percent_move`` (1 % in 60 s) on a tenth of the symbols;
* ``validate``: validation alone; ``validate+cache``; ``full``: validation, cache and rules,
  each on the calling thread, batch after batch (quotes/s);
* ``stream -> bus``: the path a live stream's quotes take (``--bus-quotes`` of them): ``Quote``
  objects published on the event bus in lists of 100, as the Alpaca market stream hands them
  over, queued by the attached pipeline and processed on its worker thread;
* ``threaded``: a producer submits batches to the pipeline's worker thread at the offered rate
  (``--rate``, quotes/s) and the latency from a batch's arrival to each alert it raises is
  reported (p50, p99), with what backpressure dropped.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _figures import record

from workbench.core.clock import LiveClock
from workbench.ledger import Ledger
from workbench.monitoring import (
    LatestPrices,
    MonitorStore,
    QuoteBatch,
    QuotePipeline,
    QuoteValidator,
    RuleEngine,
    RuleSpec,
    SymbolIndex,
    check_rule,
)

START_NS = 1_700_000_000 * 10**9


def generated_random_walk_quotes(
    symbols: int, quotes: int, index: SymbolIndex, seed: int = 1
) -> tuple[QuoteBatch, np.ndarray]:
    """Random-walk quotes over ``symbols`` GEN symbols, 1 ms apart; returns the batch and each
    symbol's starting mid (the rules' levels are set around it)."""
    rng = np.random.default_rng(seed)
    codes = index.codes([f"GEN{i}" for i in range(symbols)])
    symbol = codes[rng.integers(0, symbols, quotes)]
    start = rng.uniform(20, 500, symbols)
    steps = rng.normal(0, 0.0004, quotes)
    # each symbol's walk is the running sum of its own steps
    order = np.argsort(symbol, kind="stable")
    walk = np.empty(quotes)
    sorted_steps = steps[order]
    group_start = np.r_[0, np.flatnonzero(np.diff(symbol[order])) + 1]
    cumulative = np.cumsum(sorted_steps)
    offsets = np.repeat(
        cumulative[group_start] - sorted_steps[group_start], np.diff(np.r_[group_start, quotes])
    )
    walk[order] = cumulative - offsets
    mid = start[symbol - codes[0]] * np.exp(walk)
    half = mid * 0.0002
    bid, ask = mid - half, mid + half
    ts = START_NS + np.arange(quotes, dtype=np.int64) * 1_000_000
    bad = rng.random(quotes)
    bid[bad < 0.0003] = 0.0
    crossed = (bad >= 0.0003) & (bad < 0.0006)
    bid[crossed], ask[crossed] = ask[crossed], bid[crossed]
    late = (bad >= 0.0006) & (bad < 0.001)
    ts[late] -= 5_000_000_000
    sizes = np.full(quotes, 100.0)
    return QuoteBatch(symbol, ts, bid, ask, sizes, sizes), start


def _rules(symbols: int, start: np.ndarray) -> list[RuleSpec]:
    rules = []
    for i in range(symbols):
        scope = f"GEN{i}"
        rules.append(
            RuleSpec(
                f"above-{i}",
                "price_above",
                {"level": start[i] * 1.004},
                scope=scope,
                channels=("log",),
            )
        )
        rules.append(
            RuleSpec(
                f"below-{i}",
                "price_below",
                {"level": start[i] * 0.996},
                scope=scope,
                channels=("log",),
            )
        )
        if i % 10 == 0:
            rules.append(
                RuleSpec(
                    f"move-{i}",
                    "percent_move",
                    {"percent": 1, "window_seconds": 60},
                    scope=scope,
                    channels=("log",),
                )
            )
    return [check_rule(r, symbols=None, channels={"log"}) for r in rules]


def _batches(quotes: QuoteBatch, size: int) -> list[QuoteBatch]:
    return [
        quotes.take(np.arange(i, min(i + size, len(quotes)))) for i in range(0, len(quotes), size)
    ]


def _engine(folder: Path, name: str, rules: list[RuleSpec], index: SymbolIndex) -> RuleEngine:
    ledger = Ledger.from_url(f"sqlite:///{folder / f'{name}.db'}")
    ledger.upgrade()
    store = MonitorStore(ledger)
    stored = [store.add_rule(rule) for rule in rules]
    return RuleEngine(stored, store, index=index)


def _rate(label: str, quotes: int, seconds: float, extra: str = "") -> float:
    print(
        f"{label:<18}{quotes / seconds:>12,.0f} quotes/s   ({quotes:,} in {seconds:.2f} s){extra}"
    )
    return quotes / seconds


def _percentiles(samples_ns: list[int]) -> str:
    if not samples_ns:
        return "no alerts"
    ordered = np.sort(np.array(samples_ns)) / 1e6
    return (
        f"p50 {np.percentile(ordered, 50):.2f} ms   p99 {np.percentile(ordered, 99):.2f} ms"
        f"   ({len(ordered)} alerts)"
    )


def _budgets(rate: float) -> str:
    """The figure against the system's requirement and DESIGN.md's stricter budget."""
    verdicts = [
        f"{name} > {budget:,}: {'within' if rate > budget else 'UNDER'}"
        for name, budget in (("requirement", 10_000), ("DESIGN.md", 200_000))
    ]
    return f"   [{'; '.join(verdicts)}]"


def _bus_path(
    quotes: QuoteBatch, index: SymbolIndex, engine: RuleEngine, count: int
) -> tuple[float, int]:
    """Seconds for ``count`` quotes from the bus to processed, and the alerts raised."""
    from datetime import UTC, datetime

    from workbench.core import topics
    from workbench.core.events import EventBus
    from workbench.model import Quote

    made = [
        Quote(
            index.name(int(quotes.symbol[i])),
            datetime.fromtimestamp(int(quotes.ts[i]) / 1e9, UTC),
            float(quotes.bid[i]),
            100.0,
            float(quotes.ask[i]),
            100.0,
        )
        for i in range(min(count, len(quotes)))
    ]
    bus = EventBus()
    pipeline = QuotePipeline(engine, clock=LiveClock()).attach(bus).start()
    began = time.perf_counter()
    for start in range(0, len(made), 100):
        bus.publish(topics.QUOTES, made[start : start + 100])
    pipeline.idle(timeout=300)
    seconds = time.perf_counter() - began
    pipeline.stop()
    return seconds, pipeline.stats().alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=2_000_000)
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=200_000, help="threaded: offered quotes/s")
    parser.add_argument("--bus-quotes", type=int, default=200_000, help="stream -> bus: quotes")
    args = parser.parse_args()
    index = SymbolIndex()
    quotes, start = generated_random_walk_quotes(args.symbols, args.quotes, index)
    batches = _batches(quotes, args.batch)
    rules = _rules(args.symbols, start)
    print(
        f"{args.quotes:,} generated quotes over {args.symbols} symbols, batches of "
        f"{args.batch:,}, {len(rules)} rules"
    )

    validator, cache = QuoteValidator(), LatestPrices(index)
    cache.ensure(len(index))
    began = time.perf_counter()
    for batch in batches:
        validator.validate(batch, cache.ts, None)
    _rate("validate", args.quotes, time.perf_counter() - began)

    validator, cache = QuoteValidator(), LatestPrices(index)
    cache.ensure(len(index))
    began = time.perf_counter()
    for batch in batches:
        cache.update(validator.validate(batch, cache.ts, None))
    _rate("validate+cache", args.quotes, time.perf_counter() - began)

    with tempfile.TemporaryDirectory() as folder:
        engine = _engine(Path(folder), "full", rules, index)
        pipeline = QuotePipeline(engine, clock=LiveClock())
        began = time.perf_counter()
        for batch in batches:
            pipeline.process(batch)
        stats = pipeline.stats()
        dropped = sum(stats.dropped_invalid.values())
        full = _rate(
            "full",
            args.quotes,
            time.perf_counter() - began,
            f"   {stats.alerts} alerts, {dropped:,} invalid dropped",
        )
        record("stream.full.quotes_per_s", full, "quotes/s", quotes=args.quotes)
        print(f"{'':<18}{_budgets(full)}")

        engine = _engine(Path(folder), "bus", rules, index)
        seconds, alerts = _bus_path(quotes, index, engine, args.bus_quotes)
        count = min(args.bus_quotes, args.quotes)
        _rate("stream -> bus", count, seconds, f"   {alerts} alerts")
        print(f"{'':<18}{_budgets(count / seconds)}")

        engine = _engine(Path(folder), "threaded", rules, index)
        pipeline = QuotePipeline(engine, clock=LiveClock()).start()
        small = _batches(quotes, 1000)
        interval = 1000 / args.rate
        began = time.perf_counter()
        for n, batch in enumerate(small):
            # offered at --rate: each 1,000-quote batch is due interval seconds after the last
            delay = began + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pipeline.submit(
                QuoteBatch(
                    batch.symbol, batch.ts, batch.bid, batch.ask, batch.bid_size, batch.ask_size
                )
            )
        pipeline.idle(timeout=120)
        seconds = time.perf_counter() - began
        pipeline.stop()
        stats = pipeline.stats()
        _rate(
            "threaded",
            args.quotes,
            seconds,
            f"   offered {args.rate:,.0f}/s, {stats.batches} worker batches, "
            f"{stats.dropped_backpressure:,} dropped behind",
        )
        print(f"{'arrival -> alert':<18}{_percentiles(list(engine.latencies_ns))}")
        if engine.latencies_ns:
            p99 = float(np.percentile(np.array(list(engine.latencies_ns)) / 1e6, 99))
            record("stream.alert_latency.p99_ms", p99, "ms", offered=args.rate)


if __name__ == "__main__":
    main()
