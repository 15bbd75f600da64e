"""Figures for the API as a program meets it: ``workbench serve api`` in its own process, driven
by httpx from this one (both on the same cores, as DESIGN.md's budget says).

Run: ``.venv/bin/python benchmarks/bench_api.py [--requests N] [--concurrency C]``.
A plain script that prints figures (not part of the test suite). Budget (DESIGN.md): API
authenticated reads at least half the requests/s of a bare endpoint measured in the same run;
p99 under 250 ms at 100 concurrent connections.

The home is fresh (a temporary ``WB_HOME``, the embedded default) with the bundled sample, one
analyst and an API key. Three endpoints, each warmed up then driven with ``--requests``
requests over ``--concurrency`` connections: ``/healthz`` (the bare endpoint: no credential,
touches nothing), ``/api/v1/strategies`` (authenticated, no store) and ``/api/v1/positions``
(authenticated, the ledger and the paper book).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def _prepare(home: Path) -> str:
    from workbench.ops import data, keys, users
    from workbench.runtime import Runtime

    with Runtime.from_settings() as rt:
        data.load_sample(rt)
        users.add(rt, "bench", "a long enough password 1", role="analyst", actor="bench")
        return keys.create(rt, username="bench", actor="bench").key


async def _drive(url: str, headers: dict[str, str], total: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                began = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - began)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="wb-bench-api-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    os.environ.clear()
    os.environ.update({**env, "WB_HOME": str(home)})
    key = _prepare(home)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [WORKBENCH, "serve", "api", "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    print(server.stdout.readline().strip())
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}"}
    try:
        rows = []
        for path, headers in (
            ("/healthz", {}),
            ("/api/v1/strategies", auth),
            ("/api/v1/positions", auth),
        ):
            asyncio.run(_drive(base + path, headers, 200, 10))
            began = time.perf_counter()
            latencies = asyncio.run(_drive(base + path, headers, args.requests, args.concurrency))
            rate = len(latencies) / (time.perf_counter() - began)
            p99 = statistics.quantiles(latencies, n=100)[98] * 1000
            rows.append((path, rate, statistics.median(latencies) * 1000, p99))
        load = os.getloadavg()[0]
        print(f"{'endpoint':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  load {load:.1f}")
        for path, rate, p50, p99 in rows:
            print(f"{path:24} {rate:8.0f} {p50:8.1f} {p99:8.1f}")
        bare = rows[0][1]
        for path, rate, _, _ in rows[1:]:
            print(f"{path}: {rate / bare:.0%} of the bare endpoint's requests/s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)


if __name__ == "__main__":
    main()
