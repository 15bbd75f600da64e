"""Figures for the SQL ledger: the average time of the queries the faces run.

Run: ``.venv/bin/python benchmarks/bench_ledger.py [--records N] [--repeat N] [--postgres URL]``.
A plain script that prints figures (not part of the test suite). Budget (issue 17): database
queries under 50 ms on average.

The ledger is a fresh SQLite file in a temporary folder (and, with ``--postgres``, that
database too: give one nobody else uses, its tables are created and left) at the head
revision, with ``--records`` audit records appended through the hash chain (the table that
grows fastest: every decision writes one). Each query runs ``--repeat`` times in its own
read-only session, as a request does:

* ``audit page``: the newest 100 records of one kind (the API's and the CLI's audit view);
* ``audit by actor``: one actor's records in a day's window;
* ``open orders``, ``positions``, ``open alerts``: the trading and monitoring reads;
* ``audit count``: the chain's length (what verification starts from).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _figures import record

from workbench.ledger import AlertRow, AuditRecordRow, Ledger, OrderRow, PositionRow, append_audit

KINDS = ("order.submitted", "order.filled", "risk.rejected", "alert.raised", "auth.login")
START = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)


def _seed(ledger: Ledger, records: int) -> None:
    with ledger.session() as session:
        for n in range(records):
            append_audit(
                session,
                kind=KINDS[n % len(KINDS)],
                actor=f"cli:user{n % 7}",
                payload={"n": n, "symbol": "AAPL"},
                at=START + timedelta(seconds=n),
            )


def _queries() -> dict[str, Callable[[Any], object]]:
    day = (START, START + timedelta(days=1))
    return {
        "audit page": lambda s: s.scalars(
            sa.select(AuditRecordRow)
            .where(AuditRecordRow.kind == "order.filled")
            .order_by(AuditRecordRow.seq.desc())
            .limit(100)
        ).all(),
        "audit by actor": lambda s: s.scalars(
            sa.select(AuditRecordRow)
            .where(AuditRecordRow.actor == "cli:user3")
            .where(AuditRecordRow.created_at.between(*day))
        ).all(),
        "open orders": lambda s: s.scalars(sa.select(OrderRow).limit(500)).all(),
        "positions": lambda s: s.scalars(sa.select(PositionRow)).all(),
        "open alerts": lambda s: s.scalars(sa.select(AlertRow).limit(500)).all(),
        "audit count": lambda s: s.scalar(sa.select(sa.func.count()).select_from(AuditRecordRow)),
    }


def _measure(ledger: Ledger, repeat: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for label, query in _queries().items():
        runs = []
        for _ in range(repeat):
            began = time.perf_counter()
            with ledger.session(read_only=True) as session:
                query(session)
            runs.append((time.perf_counter() - began) * 1000)
        timings[label] = runs
    return timings


def _report(backend: str, ledger: Ledger, args: argparse.Namespace) -> float:
    ledger.upgrade()
    began = time.perf_counter()
    _seed(ledger, args.records)
    print(
        f"{backend}: {args.records:,} audit records appended in {time.perf_counter() - began:.1f} s"
    )
    timings = _measure(ledger, args.repeat)
    for label, runs in timings.items():
        print(f"  {label:<16} mean {statistics.fmean(runs):7.2f} ms   max {max(runs):7.2f} ms")
    mean = statistics.fmean(t for runs in timings.values() for t in runs)
    print(f"  {'all queries':<16} mean {mean:7.2f} ms   (budget 50 ms)")
    record(f"ledger.{backend}.query_mean_ms", mean, "ms", records=args.records)
    ledger.dispose()
    return mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="audit records appended")
    parser.add_argument("--repeat", type=int, default=50, help="runs of each query")
    parser.add_argument("--postgres", help="also a PostgreSQL database nobody else uses")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
        means = [_report("sqlite", Ledger.from_url(f"sqlite:///{Path(folder) / 'l.db'}"), args)]
    if args.postgres:
        means.append(_report("postgresql", Ledger.from_url(args.postgres), args))
    record("ledger.query_mean_ms", max(means), "ms", records=args.records)


if __name__ == "__main__":
    main()
