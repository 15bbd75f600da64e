"""Figures for the ledger's queries, on the embedded SQLite ledger and on PostgreSQL: the reads
every face makes (the ``ops`` functions behind the CLI's, the API's and MCP's answers).

Run: ``.venv/bin/python benchmarks/bench_ledger.py [--orders N] [--repeat N] [--postgres URL]``.
A plain script that prints figures (not part of the test suite). Budget (the system's
requirement, docs/requirements.md): database queries under 50 ms on average. DESIGN.md sets
no budget of its own for one query; its nearest is a whole simple CLI read under 1 s.

The ledger is seeded through the system's own path: ``--orders`` market orders through the
risk gate, the OMS and the paper book (started 2017-12-01 on the bundled sample, so about
eighty fill; the rest wait for bars past the sample's end), each with its intent, events and
audit records, plus five users with an API key each and one alert rule. PostgreSQL is the
server at ``--postgres`` (default ``WB_TEST_POSTGRES_URL`` or the local test server), in a
fresh database dropped afterwards; it is skipped, saying so, when the server does not answer.
Each query runs once untimed, then ``--repeat`` times: mean, p50 and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.data import Lake
from workbench.ops import audit, auth, data, keys, monitor, strategy, trade, users
from workbench.runtime import Runtime

SYMBOLS = ("AAPL", "MSFT", "JPM", "XOM", "IBM")
#: what the seeding lifts: a bench submits faster than a person, past the sample's last session
RISK = {"limits": {"max_orders_per_minute": None, "market_hours": "any"}}
BUDGET_MS = 50.0


def _seed(rt: Runtime, orders: int) -> tuple[str, str]:
    """Orders, users and keys, a rule; returns a client order id and an API key to look up."""
    for n in range(orders):
        request = trade.order_request(SYMBOLS[n % len(SYMBOLS)], "buy", qty="1")
        trade.submit(rt, request, actor="bench")
    key = ""
    for n in range(5):
        users.add(rt, f"bench-{n}", "a long enough password 1", role="trader", actor="bench")
        key = keys.create(rt, username=f"bench-{n}", actor="bench").key
    monitor.add_rule(
        rt, name="aapl-above", kind="price_above", params={"level": 1000}, scope="AAPL"
    )
    return trade.orders(rt, limit=1, offset=orders // 2)[0].client_order_id, key


def _queries(rt: Runtime, client_order_id: str, key: str) -> list[tuple[str, Callable[[], Any]]]:
    return [
        ("orders, newest 50", lambda: trade.orders(rt, limit=50)),
        ("orders, a page deep", lambda: trade.orders(rt, limit=50, offset=100)),
        ("order by client id", lambda: trade.order(rt, client_order_id)),
        ("fills, first 100", lambda: trade.fills(rt, limit=100)),
        ("audit records, newest 100", lambda: audit.records(rt, limit=100)),
        ("audit records of orders", lambda: audit.records(rt, kind="order", limit=100)),
        ("runs, newest 20", lambda: strategy.runs(rt)),
        ("alert rules", lambda: monitor.list_rules(rt)),
        ("alerts, newest 50", lambda: monitor.list_alerts(rt)),
        ("users", lambda: users.list_users(rt)),
        ("API key authentication", lambda: auth.authenticate(rt, key)),
    ]


def _measure(query: Callable[[], Any], repeat: int) -> list[float]:
    query()
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        query()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def _report(name: str, rt: Runtime, orders: int, repeat: int) -> None:
    began = time.perf_counter()
    client_order_id, key = _seed(rt, orders)
    records = audit.verify(rt).records
    print(
        f"\n{name}: {orders} orders, {records} audit records seeded in "
        f"{time.perf_counter() - began:.1f} s; load {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'query':<28} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8}")
    means = []
    for label, query in _queries(rt, client_order_id, key):
        timings = sorted(_measure(query, repeat))
        means.append(statistics.fmean(timings))
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        print(f"  {label:<28} {means[-1]:8.2f} {statistics.median(timings):8.2f} {p99:8.2f}")
    average = statistics.fmean(means)
    verdict = "within" if average < BUDGET_MS else "OVER"
    print(
        f"  average of the queries' means: {average:.2f} ms  [requirement < {BUDGET_MS:g} ms: "
        f"{verdict}; DESIGN.md: no budget per query]"
    )


@contextmanager
def _postgres_database(server: str) -> Iterator[str | None]:
    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"wb_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        print(f"\nPostgreSQL: skipped, {server} does not answer ({type(error).__name__})")
        admin.dispose()
        yield None
        return
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _home(parent: Path, name: str, sample: Path) -> Path:
    from workbench.testing import copy_lake

    home = parent / name
    copy_lake(sample, home / "lake")
    lake = Lake(home / "lake")
    PaperBroker.open(lake, home / "paper" / "book.db", PaperConfig(start=date(2017, 12, 1))).close()
    lake.close()
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "WB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    for variable in [v for v in os.environ if v.startswith("WB_")]:
        del os.environ[variable]
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
        parent = Path(folder)
        sample = parent / "sample" / "lake"
        with Runtime.from_settings(home=parent / "sample") as rt:
            data.load_sample(rt)
        home = _home(parent, "sqlite", sample)
        with Runtime.from_settings(home=home, ledger_url=None, risk=RISK) as rt:
            _report("SQLite (WAL, <home>/ledger.db)", rt, args.orders, args.repeat)
        with _postgres_database(args.postgres) as url:
            if url is not None:
                home = _home(parent, "postgres", sample)
                with Runtime.from_settings(home=home, ledger_url=url, risk=RISK) as rt:
                    _report("PostgreSQL (loopback)", rt, args.orders, args.repeat)


if __name__ == "__main__":
    main()
