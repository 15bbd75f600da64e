"""Figures for execution: orders through the risk gate and the OMS, in process and on the local
exchange.

Run: ``.venv/bin/python benchmarks/bench_execution.py [--orders N] [--exchange-orders N]``. A
plain script that prints figures (not part of the test suite); it stops each part after
``--seconds`` at most, so it ends within two minutes. Budget (DESIGN.md): an order's submit to
broker acknowledgement on the local exchange, p99 under 20 ms.

What is measured, with a temporary ``WB_HOME`` holding the bundled daily bars of five symbols
and the embedded SQLite ledger (WAL), settings as ``workbench`` builds them
(``Runtime.from_settings``) with the orders-per-minute limit off:

* ``paper``: ``OrderManager.submit`` on the paper broker in this process (the exchange's
  matching engine on its replay clock, standing before the open of the lake's last session; its
  book in SQLite): the risk gate's snapshot (ledger
  positions and open orders, broker account, prices) and its rules, the write-ahead intent and
  its two audit records (one commit), the broker's submit, the acknowledgement booked (a second
  commit). DAY limit buys 3 % under the last price, so they rest (no fills) and every order adds
  to the open orders the next snapshot reads. Orders/s and p50/p99 of one submit.
* ``exchange``: the same path over the Alpaca adapter (alpaca-py over real HTTP) to a local
  exchange served by uvicorn on a loopback port in this process, its clock standing at
  2017-01-03 10:30 New York. ``intent -> ack`` is from the moment the intent is committed (the
  OMS publishes its risk decision) to the moment the acknowledged order is booked (it publishes
  the order ``accepted``): the POST to the exchange, alpaca-py parsing it, one ledger commit.
  ``submit`` is the whole call, including the gate's reads of the venue (clock, account, latest
  trades: three more HTTP requests).

Client and server share this process and its cores, as a runner and an exchange on one machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from workbench.core import topics
from workbench.data import Lake
from workbench.data.sample import read_sample
from workbench.exchange.config import ExchangeConfig
from workbench.exchange.server import ExchangeServer
from workbench.exchange.service import Exchange
from workbench.execution import OrderManager, order_manager_for
from workbench.model import OrderRequest, OrderSide, OrderType
from workbench.runtime import Runtime

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # websockets.legacy
    from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig

SYMBOLS = ["AAPL", "MSFT", "IBM", "XOM", "JPM"]
EXCHANGE_START = datetime.fromisoformat("2017-01-03T15:30:00+00:00")  # 10:30 New York
# the resting orders pile up pending exposure: lift the limits a bench would hit, not measure
NO_RATE_LIMIT = {
    "limits": {
        "max_orders_per_minute": None,
        "max_leverage": None,
        "max_gross_exposure": None,
        "max_position_notional": None,
        "max_position_weight": None,
    }
}


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000
    return f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"


def _lake(folder: Path) -> Lake:
    lake = Lake(folder / "lake")
    daily = read_sample("bars_1d")
    lake.ingest(daily[daily["symbol"].isin(SYMBOLS)], "bars_1d", policy="drop")
    return lake


def _resting_buys(oms: OrderManager) -> Callable[[int], OrderRequest]:
    """The n-th order: one share of a DAY limit buy 3 % under the symbol's last price."""
    last = oms.context.prices(SYMBOLS)
    missing = sorted(set(SYMBOLS) - set(last))
    if missing:
        raise SystemExit(f"no last price for {', '.join(missing)}: the lake is incomplete")
    limits = {s: (p * Decimal("0.97")).quantize(Decimal("0.01")) for s, p in last.items()}

    def order(n: int) -> OrderRequest:
        symbol = SYMBOLS[n % len(SYMBOLS)]
        return OrderRequest(
            symbol=symbol,
            side=OrderSide.BUY,
            qty=Decimal(1),
            type=OrderType.LIMIT,
            limit_price=limits[symbol],
        )

    return order


def _submit_many(
    oms: OrderManager, count: int, seconds: float, label: str
) -> tuple[list[float], float]:
    order = _resting_buys(oms)
    for n in range(20):  # warm up: imports, prepared statements, pages
        _submitted(oms, order(n), label)
    latencies: list[float] = []
    began = time.perf_counter()
    for n in range(count):
        started = time.perf_counter()
        _submitted(oms, order(n), label)
        latencies.append(time.perf_counter() - started)
        if started - began > seconds:
            break
    return latencies, time.perf_counter() - began


def _submitted(oms: OrderManager, request: OrderRequest, label: str) -> None:
    result = oms.submit(request, actor="bench")
    if result.order.status != "accepted":
        raise SystemExit(
            f"{label}: order not accepted: {result.order.status} {result.order.reason}"
        )


def paper_figures(folder: Path, count: int, seconds: float) -> None:
    _lake(folder).close()
    with Runtime.from_settings(home=folder, broker="paper", risk=NO_RATE_LIMIT) as rt:
        oms = rt.oms
        latencies, elapsed = _submit_many(oms, count, seconds, "paper")
        rate = len(latencies) / elapsed
        label = f"paper ({len(latencies)} orders)"
        print(f"{label:<28}{_percentiles(latencies)}   {rate:7.0f} orders/s")
        # each snapshot reads every open order: show how the cost grows with the book
        done = len(latencies)
        for low, high in [(0, 200)] + ([(done - 200, done)] if done >= 400 else []):
            part = latencies[low:high]
            label = f"  with {low + 20}-{high + 20} open"  # the warm-up's 20 rest too
            print(f"{label:<28}{_percentiles(part)}   {len(part) / sum(part):7.0f} orders/s")


def exchange_figures(folder: Path, count: int, seconds: float) -> None:
    lake = _lake(folder / "venue")
    config = ExchangeConfig(db_path=folder / "exchange.db", start=EXCHANGE_START, rate_limit=None)
    exchange = Exchange(lake, config)
    with ExchangeServer(exchange) as server:
        alpaca: dict[str, Any] = {
            "api_key": "BENCH",
            "secret_key": "secret",
            "url": server.url,
            "data_url": server.url,
        }
        home = folder / "home"
        with Runtime.from_settings(
            home=home, broker="alpaca", alpaca=alpaca, risk=NO_RATE_LIMIT
        ) as rt:
            broker = AlpacaBroker(AlpacaConfig(**alpaca))
            oms = order_manager_for(rt, broker, account="alpaca")
            intents: dict[str, float] = {}
            acks: list[float] = []

            def intent(_: str, payload: dict[str, Any]) -> None:
                intents[payload["client_order_id"]] = time.perf_counter()

            def acknowledged(_: str, payload: dict[str, Any]) -> None:
                if payload["status"] == "accepted" and payload["previous"] == "new":
                    acks.append(time.perf_counter() - intents[payload["client_order_id"]])

            rt.bus.subscribe(topics.RISK_DECISION, intent)
            rt.bus.subscribe(topics.ORDER, acknowledged)
            submits, elapsed = _submit_many(oms, count, seconds, "exchange")
            measured = acks[-len(submits) :]
            rate = len(submits) / elapsed
            print(f"{'exchange: intent -> ack':<28}{_percentiles(measured)}   (budget p99 20 ms)")
            label = f"exchange: submit ({len(submits)})"
            print(f"{label:<28}{_percentiles(submits)}   {rate:7.0f} orders/s")
    exchange.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="paper orders")
    parser.add_argument("--exchange-orders", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=45, help="cap of each part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paper_figures(Path(folder) / "paper", args.orders, args.seconds)
        exchange_figures(Path(folder) / "exchange", args.exchange_orders, args.seconds)


if __name__ == "__main__":
    main()
