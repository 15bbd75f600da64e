"""Figures for the API as a program meets it: ``workbench serve api`` in its own process and, in
the same run, a bare FastAPI app returning a constant (the ceiling of this stack on this
machine), both driven from this process (all on the same cores, as DESIGN.md's budget says).

Run: ``.venv/bin/python benchmarks/bench_api.py [--generator wrk|httpx] [--seconds S]
[--requests N] [--concurrency C] [--redis URL]``. A plain script that prints figures (not part
of the test suite), and, for each row, whether it is within DESIGN.md's budgets: authenticated
reads at least half the requests/s of the bare endpoint measured in the same run and p99 under
250 ms at 100 concurrent connections; WebSocket fan-out p99 under 20 ms. The
last lines set the system's requirements (docs/requirements.md: responses under 500 ms, over
1,000 requests/min, 100+ concurrent connections, WebSocket latency under 100 ms) beside them.

**Load generator:** wrk (Debian's package, 2 threads, ``--seconds`` a row after a 1 s warm-up)
when it is installed, else an async client in this process (httpx over ``--concurrency``
pooled connections, ``--requests`` a row), which caps what it can measure near 200 requests/s;
the ``websockets`` client for ``/ws``. Either shares the 2 cores with the server.

**CPU ms/req:** the server process's CPU time (user + system, from ``/proc``) over a row,
divided by the requests it answered: what a request costs the server, steadier than a rate on
a machine others are loading.

The home is fresh (a temporary ``WB_HOME``, the embedded SQLite ledger) with the bundled sample,
one trader and an API key; rate limits are on, with rates no benchmark reaches (the middleware's
cost is measured, not its refusals). Rows, each warmed up then driven with ``--requests``:

- ``ceiling``: the bare app's ``GET /`` (uvicorn, one worker, no middleware, no credential);
- ``market latest``: ``GET /api/v1/market/latest?symbols=AAPL`` (authenticated, the lake: the
  newest partition's last row is remembered per file version, the rest is done per request);
- ``positions``: ``GET /api/v1/positions`` (authenticated, the ledger and the paper book; the
  account holds ``HOLDINGS``, bought before the rows run);
- ``order preview``: ``POST /api/v1/orders/preview`` when the API has that route;
- ``ws fan-out``: with Redis (``--redis``, default the local test server; skipped when it does
  not answer), ``--ws-clients`` clients on ``/ws`` subscribed to ``quotes`` on a second server
  with ``WB_REDIS_URL``, and ``--events`` events published one at a time on its Redis channel
  as another process's relay would: latency from publish to each client's receipt.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from _figures import record

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
#: requests that failed in transport, over every row (a row prints its own count)
TRANSPORT_ERRORS: list[int] = []
BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/")
def constant() -> dict[str, str]:
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
#: DESIGN.md's budgets: authenticated reads at least half the ceiling's requests/s, and these
P99_BUDGET_MS = 250
FAN_OUT_P99_BUDGET_MS = 20
#: what, requests/s, p50 ms, p99 ms, server CPU ms per request
Row = tuple[str, float, float, float, float]
UNREACHED_LIMITS = {
    "WB_API__RATE_LIMIT__ADDRESS_PER_SECOND": "1000000",
    "WB_API__RATE_LIMIT__ADDRESS_BURST": "1000000",
    "WB_API__RATE_LIMIT__PRINCIPAL_PER_SECOND": "1000000",
    "WB_API__RATE_LIMIT__PRINCIPAL_BURST": "1000000",
}


#: what the account holds before the rows run: positions has rows to value, a preview's gate
#: a book to weigh the order against
HOLDINGS = (("AAPL", 50), ("MSFT", 30), ("JPM", 40), ("XOM", 25), ("JNJ", 20))


def _prepare() -> str:
    from workbench.ops import data, keys, trade, users
    from workbench.runtime import Runtime

    with Runtime.from_settings() as rt:
        data.load_sample(rt)
        for symbol, qty in HOLDINGS:
            trade.submit(rt, trade.order_request(symbol, "buy", qty=qty), actor="bench")
        users.add(rt, "bench", "a long enough password 1", role="trader", actor="bench")
        return keys.create(rt, username="bench", actor="bench").key


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{url} never answered")


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = _port()
    server = subprocess.Popen(
        [WORKBENCH, "serve", "api", "--port", str(port)], stdout=subprocess.PIPE, text=True, env=env
    )
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/healthz")
    return server, url


async def _drive(
    method: str, url: str, headers: dict[str, str], body: Any, total: int, concurrency: int
) -> list[float]:
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=60) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                began = time.perf_counter()
                try:
                    response = await client.request(method, url, json=body)
                except httpx.TransportError:  # counted, not fatal: the row says how many
                    errors.append(1)
                    continue
                latencies.append(time.perf_counter() - began)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    if errors:
        print(f"{url}: {len(errors)} of {total} requests failed in transport")
    TRANSPORT_ERRORS.extend(errors)
    return latencies


def _row(
    name: str, latencies: list[float], seconds: float | None, cpu_ms: float = float("nan")
) -> Row:
    rate = len(latencies) / seconds if seconds else float("nan")
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return name, rate, statistics.median(latencies) * 1000, p99, cpu_ms


def _http_rows(args: argparse.Namespace, key: str, env: dict[str, str]) -> list[Row]:
    bare_port = _port()
    bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)])
    server, base = _serve({**env, **UNREACHED_LIMITS})
    auth = {"Authorization": f"Bearer {key}"}
    targets: list[tuple[str, str, str, dict[str, str], Any]] = [
        ("ceiling (bare FastAPI)", "GET", f"http://127.0.0.1:{bare_port}/", {}, None),
        ("market latest", "GET", f"{base}/api/v1/market/latest?symbols=AAPL", auth, None),
        ("positions", "GET", f"{base}/api/v1/positions", auth, None),
    ]
    processes = {bare_port: bare.pid}
    try:
        _wait(f"http://127.0.0.1:{bare_port}/")
        paths = httpx.get(f"{base}/openapi.json").json()["paths"]
        if "post" in paths.get("/api/v1/orders/preview", {}):
            order = {"symbol": "AAPL", "side": "buy", "qty": "1"}
            targets.append(("order preview", "POST", f"{base}/api/v1/orders/preview", auth, order))
        else:
            print("order preview: skipped, this API has no POST /api/v1/orders/preview yet")
        rows = []
        for name, method, url, headers, body in targets:
            pid = processes.get(int(url.split(":")[2].split("/")[0]), server.pid)
            if args.generator == "wrk":
                rows.append(_wrk_row(name, method, url, headers, body, args, pid))
                continue
            asyncio.run(_drive(method, url, headers, body, 200, 10))
            began, cpu = time.perf_counter(), _cpu_seconds(pid)
            latencies = asyncio.run(
                _drive(method, url, headers, body, args.requests, args.concurrency)
            )
            used = (_cpu_seconds(pid) - cpu) / max(1, len(latencies)) * 1000
            rows.append(_row(name, latencies, time.perf_counter() - began, used))
        return rows
    finally:
        record("api.server_peak_mb", _peak_mb(server.pid), "MB")
        for process in (server, bare):
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)


def _peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux: ``VmHWM``), NaN where unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _record(rows: list[Row], fan_out: Any, concurrency: int) -> None:
    """The figures the requirements read: the worst authenticated row against each budget."""
    ceiling, authenticated = rows[0][1], rows[1:]
    record("api.authenticated.p99_ms", max(row[3] for row in authenticated), "ms")
    slowest = min(row[1] for row in authenticated)
    record("api.authenticated.requests_per_min", slowest * 60, "req/min")
    record("api.authenticated.ceiling_ratio", slowest / ceiling, "ratio")
    record("api.concurrent_connections", concurrency, "connections")
    record("api.transport_errors", len(TRANSPORT_ERRORS), "requests")
    if fan_out:
        record("ws.fanout.p99_ms", fan_out[3], "ms")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far: steadier than a wall rate
    on a loaded machine. Linux's /proc; NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk_row(
    name: str,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    args: argparse.Namespace,
    pid: int,
) -> Row:
    """One row driven by wrk (Debian's package): its own process and threads, C all through,
    so the generator is not what caps the figures; a warm-up second first."""
    script = Path(tempfile.mkdtemp(prefix="wb-wrk-")) / "request.lua"
    lines = [f'wrk.method = "{method}"']
    for header, value in {**headers, "Content-Type": "application/json"}.items():
        lines.append(f'wrk.headers["{header}"] = "{value}"')
    if body is not None:
        lines.append(f"wrk.body = [[{json.dumps(body)}]]")
    lines.append("""done = function(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("WB %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status, failed))
end""")
    script.write_text("\n".join(lines) + "\n")
    base = ["wrk", "-t", "2", "-c", str(args.concurrency), "-s", str(script), url]
    subprocess.run([*base[:5], "-d", "1s", *base[5:]], capture_output=True, check=True)
    cpu = _cpu_seconds(pid)
    out = subprocess.run(
        [*base[:5], "-d", f"{args.seconds}s", *base[5:]], capture_output=True, text=True, check=True
    ).stdout
    fields = next(line for line in out.splitlines() if line.startswith("WB ")).split()
    requests, duration_us, p50_us, p99_us, bad, failed = (int(f) for f in fields[1:])
    if failed:
        print(f"{name}: {failed} requests failed in transport (connect, read, write, timeout)")
    TRANSPORT_ERRORS.extend([1] * failed)
    if bad:
        print(f"{name}: {bad} answers were not 2xx/3xx")
    used = (_cpu_seconds(pid) - cpu) / max(1, requests) * 1000
    return name, requests / (duration_us / 1e6), p50_us / 1000, p99_us / 1000, used


async def _fan_out(
    ws_url: str, key: str, redis_url: str, prefix: str, args: argparse.Namespace
) -> list[float]:
    import redis.asyncio
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    clients = []
    for _ in range(args.ws_clients):
        ws = await connect(f"{ws_url}/ws", ping_interval=None)
        await ws.send(json.dumps({"type": "auth", "token": key}))
        await ws.recv()  # welcome
        await ws.send(json.dumps({"type": "subscribe", "channels": ["quotes"]}))
        await ws.recv()  # subscribed
        clients.append(ws)

    async def listen(ws: Any) -> None:
        for _ in range(args.events):
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "event":
                    latencies.append(time.time() - message["data"]["sent"])
                    break
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))

    listeners = [asyncio.create_task(listen(ws)) for ws in clients]
    publisher = redis.asyncio.Redis.from_url(redis_url)
    for n in range(args.events):
        body = {"origin": "bench", "topic": "market.quote", "data": {"n": n, "sent": time.time()}}
        await publisher.publish(f"{prefix}:events", json.dumps(body))
        await asyncio.sleep(0.05)  # one event at a time: each fan-out measured alone
    await asyncio.wait_for(asyncio.gather(*listeners), 60)
    await publisher.aclose()
    for ws in clients:
        await ws.close()
    return latencies


def _fan_out_row(args: argparse.Namespace, key: str, env: dict[str, str]) -> Row | None:
    import redis

    try:
        redis.Redis.from_url(args.redis, socket_connect_timeout=1).ping()
    except redis.RedisError:
        print(f"ws fan-out: skipped, no Redis answers at {args.redis}")
        return None
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    server, base = _serve(
        {**env, **UNREACHED_LIMITS, "WB_REDIS_URL": args.redis, "WB_REDIS_PREFIX": prefix}
    )
    try:
        _wait_fanout(base)
        ws_url = base.replace("http", "ws", 1)
        # this process's heap (the workbench it imported to prepare the home) moved out of the
        # collector's way: a full collection here (130 ms) stalled the 100 clients' receipt
        # and was measured as the server's latency
        gc.freeze()
        latencies = asyncio.run(_fan_out(ws_url, key, args.redis, prefix, args))
        return _row(f"ws fan-out ({args.ws_clients} clients)", latencies, None)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)


def _wait_fanout(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        checks = {c["name"]: c for c in httpx.get(f"{base}/readyz").json()["checks"]}
        if checks.get("fanout", {}).get("status") == "ok":
            return
        time.sleep(0.1)


def _requirements(
    rows: list[Row],
    fan_out: Row | None,
    concurrency: int,
) -> None:
    """The system's requirements (docs/requirements.md) beside DESIGN.md's stricter budgets,
    from the authenticated rows (every row but the ceiling) and the fan-out."""
    served = rows[1:]
    worst_p99 = max(row[3] for row in served)
    slowest = min(row[1] for row in served)
    ceiling = rows[0][1]
    print("requirements (system | DESIGN.md), measured:")
    print(
        f"  API response: worst p99 {worst_p99:.0f} ms  [< 500 ms: "
        f"{'within' if worst_p99 < 500 else 'OVER'} | p99 < 250 ms: "
        f"{'within' if worst_p99 < 250 else 'OVER'}]"
    )
    print(
        f"  throughput: slowest route {slowest * 60:,.0f} req/min  [> 1,000/min: "
        f"{'within' if slowest * 60 > 1000 else 'UNDER'} | half the ceiling "
        f"({ceiling / 2 * 60:,.0f}/min): {'within' if slowest > ceiling / 2 else 'UNDER'}]"
    )
    print(
        f"  concurrent connections: {concurrency} held (an answer other than 2xx is printed "
        "above)  [100+ | 100]"
    )
    if fan_out is not None:
        p99 = fan_out[3]
        print(
            f"  WebSocket latency: fan-out p99 {p99:.1f} ms  [< 100 ms: "
            f"{'within' if p99 < 100 else 'OVER'} | p99 < 20 ms: "
            f"{'within' if p99 < 20 else 'OVER'}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--generator",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="wrk (Debian's package) when installed, else an async httpx client in this process",
    )
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk drives each row")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--ws-clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument(
        "--redis", default=os.environ.get("WB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="wb-bench-api-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    os.environ.clear()
    os.environ.update({**env, "WB_HOME": str(home)})
    key = _prepare()
    env = dict(os.environ)
    rows = _http_rows(args, key, env)
    fan_out = _fan_out_row(args, key, env)
    load = os.getloadavg()[0]
    generator = "wrk, 2 threads" if args.generator == "wrk" else "httpx in one process"
    print(
        f"load generator: {generator} (websockets client for /ws); {args.concurrency} connections"
    )
    print(
        f"{'what':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11}  load {load:.1f}"
    )
    for name, rate, p50, p99, cpu in [*rows, *([fan_out] if fan_out else [])]:
        shown = "" if rate != rate else f"{rate:8.0f}"  # fan-out has latencies, not a rate
        used = "" if cpu != cpu else f"{cpu:11.2f}"
        print(f"{name:28} {shown:>8} {p50:8.1f} {p99:8.1f} {used:>11}")
    ceiling = rows[0][1]
    for name, rate, _, p99, _ in rows[1:]:
        verdict = "within" if rate >= ceiling / 2 and p99 < P99_BUDGET_MS else "over"
        print(
            f"{name}: {rate / ceiling:.0%} of the ceiling's requests/s, p99 {p99:.0f} ms "
            f"({verdict} the budget: half the ceiling, p99 under {P99_BUDGET_MS} ms)"
        )
    if fan_out:
        verdict = "within" if fan_out[3] < FAN_OUT_P99_BUDGET_MS else "over"
        print(f"ws fan-out: p99 {fan_out[3]:.1f} ms ({verdict} {FAN_OUT_P99_BUDGET_MS} ms)")
    _requirements(rows, fan_out, args.concurrency)
    _record(rows, fan_out, args.concurrency)


if __name__ == "__main__":
    main()
