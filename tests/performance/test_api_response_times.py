"""Many requests at once on the API's read routes: every answer a 200 inside the schema the
OpenAPI document gives for it, and each answer of a route that nothing changes equal to the one
it gave alone before the load. The response times are printed per route (benchmarks/bench_api.py
measures them against their budgets); nothing here asserts a time.

Scale: ``WB_LOAD_SCALE`` (tests/performance/conftest.py) multiplies the requests per route.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.performance.conftest import System, figures, load_scale

pytestmark = [
    pytest.mark.performance,
    pytest.mark.system,
    pytest.mark.requirement("PRF-01", "PRF-02", "PRF-11"),
]

CONCURRENCY = 45
#: (path, route in the OpenAPI document, whether its answer stays the same under the load)
ROUTES = (
    ("/api/v1/me", "/api/v1/me", True),
    ("/api/v1/strategies", "/api/v1/strategies", True),
    ("/api/v1/market/latest?symbols=AAPL,MSFT", "/api/v1/market/latest", True),
    ("/api/v1/market/bars/AAPL?limit=100", "/api/v1/market/bars/{symbol}", True),
    ("/api/v1/market/coverage?limit=100", "/api/v1/market/coverage", True),
    (
        "/api/v1/analysis/indicators/RSI?symbols=AAPL&tail=20",
        "/api/v1/analysis/indicators/{name}",
        True,
    ),
    ("/api/v1/account", "/api/v1/account", False),
    ("/api/v1/positions", "/api/v1/positions", False),
    ("/api/v1/orders?limit=50", "/api/v1/orders", False),
)


def _validator(document: dict[str, Any], route: str) -> Draft202012Validator:
    schema = document["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]
    # the components ride along so that the schema's $refs resolve inside it
    return Draft202012Validator({**schema["schema"], "components": document["components"]})


async def _load(
    system: System, total: int, document: dict[str, Any], alone: dict[str, Any]
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {path: [] for path, _, _ in ROUTES}
    wrong: list[str] = []
    validators = {path: _validator(document, route) for path, route, _ in ROUTES}
    work = iter([route for _ in range(total) for route in ROUTES])
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=system.url, headers=system.headers("analyst"), limits=limits, timeout=120
    ) as http:

        async def client() -> None:
            for path, _, stable in work:
                began = time.perf_counter()
                answer = await http.get(path)
                timings[path].append(time.perf_counter() - began)
                if answer.status_code != 200:
                    wrong.append(f"{path}: {answer.status_code} {answer.text[:300]}")
                    continue
                body = answer.json()
                for problem in validators[path].iter_errors(body):
                    wrong.append(f"{path}: outside its schema: {problem.message[:300]}")
                if stable and body != alone[path]:
                    wrong.append(f"{path}: answered differently under load")

        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    assert not wrong, "\n".join(wrong[:20])
    return timings


def test_concurrent_reads_answer_right_and_inside_their_schema(system: System) -> None:
    with httpx.Client(base_url=system.url, headers=system.headers("analyst"), timeout=120) as http:
        document = http.get("/openapi.json").json()
        alone = {path: http.get(path).json() for path, _, stable in ROUTES if stable}
    total = max(1, round(5 * load_scale()))
    began = time.perf_counter()
    timings = asyncio.run(_load(system, total, document, alone))
    elapsed = time.perf_counter() - began
    count = sum(len(samples) for samples in timings.values())
    print(f"\n{count} reads, {CONCURRENCY} at a time, in {elapsed:.1f} s:")
    for path, samples in timings.items():
        print("  " + figures(path, samples))
    print("  " + figures("all", [t for samples in timings.values() for t in samples], elapsed))
