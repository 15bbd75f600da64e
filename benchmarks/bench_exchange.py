"""Figures for the local exchange: order round trips through alpaca-py over real HTTP.

Run: ``.venv/bin/python benchmarks/bench_exchange.py [--orders N] [--threads N]``. A plain
script that prints figures (not part of the test suite). Budget (DESIGN.md): an order's submit
to broker acknowledgement on the local exchange, p99 under 20 ms.

What is measured, on an exchange over a temporary lake holding the bundled daily bars of a few
symbols, served by uvicorn on a loopback port in this process (one event loop, FastAPI's thread
pool), clock standing at 2017-01-03 10:30 New York (market open, no auto-advance):

* ``submit``: ``TradingClient.submit_order`` of a DAY limit buy far below the market (it rests:
  validation, buying power over every open order, one SQLite commit), alpaca-py parsing the
  answer into its ``Order`` model; latency p50/p99 and orders/s, sequential from one client.
* ``submit, N threads``: the same from N clients at once (orders/s; the engine is serialised
  under one lock, so this shows queueing, not parallelism).
* ``get_order_by_id`` and ``cancel_order_by_id``: p50/p99 of a read and of a cancel.
* ``get_account``: p50/p99 (values every open order's reservation).

* ``market stream``: ``AlpacaMarketStream`` (alpaca-py's StockDataStream underneath) subscribed
  to the quotes, trades and minute bars of the three symbols with minute bars, with a
  ``LakeBarWriter``; the replay clock jumps over the whole session of 2023-05-25 and the figure
  is messages/s from the jump to the last message on the event bus (msgpack decode, the SDK's
  models, ours, the bus), then the time to write the held bars on stop.

The client and the server share this process and its cores: figures include the client's own
cost (requests + pydantic), as a caller of the exchange would see it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from _figures import record

from workbench.data import Lake, LakeBarWriter
from workbench.data.sample import read_sample
from workbench.exchange.config import ExchangeConfig
from workbench.exchange.server import ExchangeServer
from workbench.exchange.service import Exchange

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # websockets.legacy
    from alpaca.trading.client import TradingClient
    from alpaca.trading.requests import GetOrdersRequest, LimitOrderRequest

SYMBOLS = ["AAPL", "MSFT", "IBM", "XOM", "JPM"]
START = datetime.fromisoformat("2017-01-03T15:30:00+00:00")  # 10:30 New York


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000
    return f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"


def _timed(call: Callable[[], Any], count: int) -> tuple[list[float], float]:
    latencies = []
    began = time.perf_counter()
    for _ in range(count):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return latencies, time.perf_counter() - began


def _order(n: int) -> LimitOrderRequest:
    return LimitOrderRequest(
        symbol=SYMBOLS[n % len(SYMBOLS)], qty=1, side="buy", time_in_force="day", limit_price=10
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lake = Lake(Path(folder) / "lake")
        daily = read_sample("bars_1d")
        lake.ingest(daily[daily["symbol"].isin(SYMBOLS)], "bars_1d", policy="drop")
        config = ExchangeConfig(db_path=Path(folder) / "exchange.db", start=START, rate_limit=None)
        exchange = Exchange(lake, config)
        with ExchangeServer(exchange) as server:
            client = TradingClient("BENCH", "secret", paper=True, url_override=server.url)
            client.get_account()
            for n in range(50):  # warm up: imports, pydantic, SQLite pages
                client.submit_order(_order(n))
            client.cancel_orders()

            counter = iter(range(10**9))
            first = min(200, args.orders)
            for low, high in ((0, first), (first, args.orders)):
                if high <= low:
                    continue
                submits, elapsed = _timed(
                    lambda: client.submit_order(_order(next(counter))), high - low
                )
                label = f"submit ({low}-{high} open)"
                rate = (high - low) / elapsed
                print(f"{label:<24}{_percentiles(submits)}   {rate:7.0f} orders/s")
                if low == 0:
                    ordered = sorted(submits)
                    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
                    record("exchange.submit.p99_ms", p99 * 1000, "ms", orders=high - low)

            orders = client.get_orders(GetOrdersRequest(limit=500))
            ids = iter([o.id for o in orders] * 10)
            reads, _ = _timed(lambda: client.get_order_by_id(next(ids)), min(500, args.orders))
            print(f"{'get_order_by_id':<24}{_percentiles(reads)}")
            accounts, _ = _timed(client.get_account, 200)
            print(f"{'get_account':<24}{_percentiles(accounts)}   ({len(orders)} open orders)")
            cancel_ids = iter([o.id for o in orders])
            cancels, _ = _timed(
                lambda: client.cancel_order_by_id(next(cancel_ids)), min(500, len(orders))
            )
            print(f"{'cancel_order_by_id':<24}{_percentiles(cancels)}")
            client.cancel_orders()

            per_thread = args.orders // args.threads
            clients = [
                TradingClient(f"BENCH{i}", "secret", paper=True, url_override=server.url)
                for i in range(args.threads)
            ]
            for each in clients:
                each.get_account()
            latencies: list[float] = []

            def work(each: TradingClient) -> None:
                mine, _ = _timed(lambda: each.submit_order(_order(0)), per_thread)
                latencies.extend(mine)

            workers = [threading.Thread(target=work, args=(c,)) for c in clients]
            began = time.perf_counter()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            rate = per_thread * args.threads / (time.perf_counter() - began)
            label = f"submit, {args.threads} threads"
            print(f"{label:<24}{_percentiles(latencies)}   {rate:7.0f} orders/s")
        exchange.close()
        _market_stream_figure(Path(folder))


def _market_stream_figure(folder: Path) -> None:
    import asyncio
    from datetime import date

    import httpx

    from workbench.adapters.alpaca import AlpacaConfig, AlpacaMarketStream
    from workbench.core import topics
    from workbench.core.events import EventBus

    lake = Lake(folder / "stream-lake")
    minutes = read_sample("bars_1m")
    lake.ingest(minutes, "bars_1m", policy="drop")
    symbols = sorted(set(minutes["symbol"]))
    config = ExchangeConfig(
        db_path=folder / "stream.db", start=date(2023, 5, 25), timeframe="1m", rate_limit=None
    )
    exchange = Exchange(lake, config)
    with ExchangeServer(exchange) as server:
        http = httpx.Client(base_url=server.url, headers=_BENCH_HEADERS)
        http.get("/v2/account")  # binds the key
        bus, arrived = EventBus(), []
        for topic in (topics.QUOTE, topics.TRADE, topics.BAR):
            bus.subscribe(topic, lambda _, item: arrived.append(time.perf_counter()))
        writer = LakeBarWriter(Lake(folder / "bars-out"), batch_size=10**6, flush_after_s=3600)
        stream = AlpacaMarketStream(
            AlpacaConfig(
                "BENCH",
                "secret",
                server.url,
                server.url,
                stream_url=server.url.replace("http", "ws") + "/v2/iex",
            ),
            bus,
            bars_to=writer,
        )
        stream.subscribe(quotes=symbols, trades=symbols, bars=symbols)
        loop = asyncio.new_event_loop()
        runner = threading.Thread(target=loop.run_until_complete, args=(stream.run(),))
        runner.start()
        while stream.acknowledged().get("bars") != tuple(symbols):
            time.sleep(0.01)
        began = time.perf_counter()
        admin = {"Authorization": f"Bearer {exchange.admin_key}"}
        http.post("/admin/clock", json={"to": "2023-05-25T20:00:00Z"}, headers=admin)
        expected = 3 * len(symbols) * 391  # each minute of the session, pre-market minute too
        while len(arrived) < expected and time.perf_counter() - began < 60:
            time.sleep(0.01)
        rate = len(arrived) / (arrived[-1] - began)
        stopping = time.perf_counter()
        asyncio.run(stream.stop())
        runner.join()
        loop.close()
        flushed = time.perf_counter() - stopping
        print(
            f"{'market stream':<24}{len(arrived)} messages at {rate:7.0f} msgs/s; "
            f"stop wrote {writer.written} bars in {flushed * 1000:.0f} ms"
        )
        http.close()
    exchange.close()


_BENCH_HEADERS = {"APCA-API-KEY-ID": "BENCH", "APCA-API-SECRET-KEY": "secret"}


if __name__ == "__main__":
    main()
