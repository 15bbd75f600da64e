"""Authentication timings: what the API pays per request to ``ops.auth.authenticate`` (an access
token, an API key) and ``authorize``, and what one login costs (argon2id on purpose).

Uses a throwaway SQLite ledger, or ``WB_BENCH_LEDGER_URL`` (e.g. a PostgreSQL database). Prints
figures; asserts nothing. Run: ``.venv/bin/python benchmarks/bench_auth.py``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workbench.core.config import load_settings
from workbench.model import Permission, Role
from workbench.ops import auth, keys, users
from workbench.runtime import Runtime

PASSWORD = "benchmark password"


def timed(label: str, call: Callable[[], object], repeat: int) -> None:
    call()  # warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"{label:<34} median {statistics.median(samples) * 1e3:7.2f} ms   "
        f"p99 {p99 * 1e3:7.2f} ms   {1 / statistics.mean(samples):8.0f}/s"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("WB_BENCH_LEDGER_URL", f"sqlite:///{Path(folder) / 'ledger.db'}")
        settings = load_settings(home=Path(folder), ledger_url=url, api={"jwt_secret": "b" * 64})
        with Runtime.from_settings(settings) as rt:
            users.add(rt, "bench", PASSWORD, role=Role.TRADER, actor="bench")
            pair = auth.login(rt, "bench", PASSWORD)
            key = keys.create(rt, username="bench", actor="bench").key
            principal = auth.authenticate(rt, pair.access_token)
            print(f"ledger: {rt.ledger.url}")
            timed(
                "authenticate(access token)", lambda: auth.authenticate(rt, pair.access_token), 2000
            )
            timed("authenticate(API key)", lambda: auth.authenticate(rt, key), 2000)
            timed("authorize", lambda: auth.authorize(principal, Permission.TRADE), 20000)
            timed("login (argon2id + ledger writes)", lambda: auth.login(rt, "bench", PASSWORD), 20)


if __name__ == "__main__":
    main()
