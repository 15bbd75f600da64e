"""Dashboard timings a person feels: the first render of each Voila dashboard (request to its
first figure, one page at a time, kernel start-up included) and, in the strategy explorer once
warm, a widget change to the redrawn figures.

Builds a temporary home (the bundled sample, a paper account holding three stocks), starts
``workbench serve dashboards`` on a free port and drives ``/usr/bin/chromium`` with playwright.
Prints figures; asserts nothing. Run: ``.venv/bin/python benchmarks/bench_dashboards.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
FIRST = {
    "portfolio_overview": '.wb-metric[data-key="equity"]',
    "strategy_explorer": '.wb-metric[data-key="total_return"]',
    "risk_monitor": '.wb-metric[data-key="var_amount"]',
}


def make_home(root: Path) -> None:
    from workbench.core.config import load_settings
    from workbench.data import Lake
    from workbench.data.sample import load_sample
    from workbench.ops import trade
    from workbench.runtime import Runtime

    lake = Lake(root / "lake")
    load_sample(lake)
    lake.close()
    with Runtime.from_settings(load_settings(home=root)) as rt:
        for symbol, qty in (("AAPL", 50), ("MSFT", 30), ("JPM", 40)):
            trade.submit(rt, trade.order_request(symbol, "buy", qty=qty), actor="bench")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        make_home(home)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "WB_HOME": str(home), "WB_DASHBOARD_ROLE": "trader"}
        server = subprocess.Popen(
            [WORKBENCH, "serve", "dashboards", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert server.stdout is not None
        print(server.stdout.readline().strip())
        base = f"http://127.0.0.1:{port}/voila/render/"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for name, selector in FIRST.items():
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    began = time.perf_counter()
                    page.goto(f"{base}{name}.ipynb", wait_until="commit")
                    page.wait_for_selector(selector, timeout=300_000)
                    print(f"{name}: first render {time.perf_counter() - began:.2f} s")
                    if name == "strategy_explorer":
                        redraw(page)
                    page.close()
                browser.close()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            server.stdout.close()


QUERY = '.wb-metric[data-key="total_return"]'


def redraw(page: object) -> None:
    """Change the symbols field; each change reruns the backtest and gives a new return."""
    field = page.locator(".widget-text input").first  # type: ignore[attr-defined]
    times = []
    for symbols in ("AAPL", "AAPL,MSFT", "MSFT", "AAPL,MSFT,JPM", "JPM"):
        before = page.get_attribute(QUERY, "data-value")  # type: ignore[attr-defined]
        began = time.perf_counter()
        field.fill(symbols)
        field.press("Enter")
        page.wait_for_function(  # type: ignore[attr-defined]
            f"(before) => document.querySelector('{QUERY}').getAttribute('data-value') !== before",
            arg=before,
        )
        times.append(time.perf_counter() - began)
    times.sort()
    print(
        f"strategy_explorer: widget change to redraw, warm: median {times[len(times) // 2]:.2f} s, "
        f"worst {times[-1]:.2f} s ({len(times)} changes)"
    )


if __name__ == "__main__":
    main()
