"""The Voila dashboards as a person meets them: ``workbench serve dashboards`` as a subprocess
over a home holding the sample and a paper account with positions, each dashboard opened in
headless Chromium, its figures compared with what ``workbench.ops`` computes, and every request
watched. One server (acting as a trader) serves every page; the pages open at once so their
kernels start side by side."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from workbench.core.config import load_settings
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.requirement("INT-07")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(os.environ.get("WB_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
RENDER_TIMEOUT_MS = 120_000
PAGES = {
    "portfolio_overview": ("portfolio_overview.ipynb", '.wb-metric[data-key="equity"]'),
    "portfolio_viewer": ("portfolio_overview.ipynb?role=viewer", ".wb-read-only"),
    "strategy_explorer": ("strategy_explorer.ipynb", '.wb-metric[data-key="total_return"]'),
    "risk_monitor": ("risk_monitor.ipynb", '.wb-metric[data-key="var_amount"]'),
    "run_review": ("run_review.ipynb", '.wb-metric[data-key="total_return"]'),
    "market_watch": ("market_watch.ipynb", '[data-table="watch"]'),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(home: Path, role: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    return {**env, "WB_HOME": str(home), "WB_DASHBOARD_ROLE": role}


def runtime(home: Path) -> Runtime:
    return Runtime.from_settings(load_settings(home=home))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, shared_sample_lake: Path) -> Path:
    """The sample lake, a paper account holding AAPL, MSFT and JPM (bought through ops) and a
    stored backtest."""
    from workbench.ops import strategy, trade
    from workbench.testing import copy_lake

    home = tmp_path_factory.mktemp("dashboards-home")
    copy_lake(shared_sample_lake, home / "lake")
    with runtime(home) as rt:
        for symbol, qty in (("AAPL", 50), ("MSFT", 30), ("JPM", 40)):
            trade.submit(rt, trade.order_request(symbol, "buy", qty=qty), actor="test")
        assert trade.positions(rt)
        assert strategy.backtest(rt, "sma_crossover", ["AAPL", "MSFT"]).run_id is not None
    return home


@pytest.fixture(scope="module")
def server(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "stderr.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [WORKBENCH, "serve", "dashboards", "--port", str(port)],
            env=server_env(home, "trader"),
            stdout=subprocess.PIPE,
            stderr=errors,  # a file, not a pipe: kernels log more than a pipe holds unread
            text=True,
        )
    assert process.stdout is not None
    with process.stdout:
        line = process.stdout.readline()
        try:
            assert f"on http://127.0.0.1:{port}/ serving" in line, (line, log.read_text())
            yield f"http://127.0.0.1:{port}/voila/render/"
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
    assert code == 0, log.read_text()
    assert log.read_text().splitlines()[-1] == "dashboards stopped"


@pytest.fixture(scope="module")
def browser_pages(server: str) -> Iterator[dict[str, Any]]:
    """Every dashboard opened at once (desktop width), with the seconds to its first figure and
    every URL any page asked for."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if IN_CI:
            pytest.fail(f"{message}; under CI=true this must not skip")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages, began = {}, {}
            for name, (path, _) in PAGES.items():
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.on("request", lambda request: requests.append(request.url))
                page.on("websocket", lambda socket: requests.append(socket.url))
                began[name] = time.perf_counter()
                page.goto(server + path, wait_until="commit")
                pages[name] = page
            rendered = {}
            for name, (_, selector) in PAGES.items():
                pages[name].wait_for_selector(selector, timeout=RENDER_TIMEOUT_MS)
                rendered[name] = round(time.perf_counter() - began[name], 2)
            yield {"pages": pages, "requests": requests, "rendered": rendered, "timings": {}}
        finally:
            browser.close()


def metric(page: Any, key: str) -> str:
    return str(page.get_attribute(f'.wb-metric[data-key="{key}"]', "data-value"))


def drawn_lines(page: Any) -> int:
    """Plotly line traces drawn with points (an empty trace draws no path)."""
    return int(
        page.evaluate(
            "[...document.querySelectorAll('.js-plotly-plot .scatterlayer .js-line')]"
            ".filter(p => (p.getAttribute('d') || '').length > 20).length"
        )
    )


def screenshots(page: Any, name: str) -> None:
    page.wait_for_timeout(500)  # plotly draws after the widget arrives
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-desktop.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.dispatchEvent(new Event('resize'))")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    assert (ARTIFACTS / f"dashboard-{name}-phone.png").stat().st_size > 10_000


def test_each_dashboard_has_one_parameters_cell_no_outputs_and_the_workbench_kernel() -> None:
    import nbformat

    folder = ROOT / "notebooks" / "dashboards"
    found = sorted(p.stem for p in folder.glob("*.ipynb"))
    assert found == sorted(
        ["portfolio_overview", "strategy_explorer", "risk_monitor", "run_review", "market_watch"]
    )
    for path in folder.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert notebook.metadata.kernelspec.name == "workbench", path.name


def test_serve_dashboards_help_and_a_taken_port() -> None:
    shown = subprocess.run(
        [WORKBENCH, "serve", "dashboards", "--help"], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0 and "--port" in shown.stdout and "--host" in shown.stdout
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [WORKBENCH, "serve", "dashboards", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is taken (Address already in use): "
        "pick another with --port"
    ]


# before the trader's submit below changes the book
def test_risk_monitor_matches_ops(browser_pages: dict[str, Any], home: Path) -> None:
    from workbench.ops import monitor, portfolio

    with runtime(home) as rt:
        risk = portfolio.portfolio_risk(
            rt, portfolio.BookSpec(), confidences=(0.95,), method="historical"
        )
        alerts = monitor.list_alerts(rt, state="open")
    page = browser_pages["pages"]["risk_monitor"]
    var = risk.report.var.reset_index().iloc[0]
    assert float(metric(page, "var_confidence")) == var["confidence"] == 0.95
    assert float(metric(page, "var_amount")) == round(float(var["var_amount"]), 2)
    assert float(metric(page, "equity")) == round(risk.report.equity, 2)
    assert int(page.get_attribute('[data-key="open_alerts"]', "data-value") or -1) == len(alerts)
    assert page.locator('[data-table="sectors"] tbody tr').count() >= 1
    page.wait_for_selector(".js-plotly-plot .scatterlayer .js-line")
    assert drawn_lines(page) >= 1
    screenshots(page, "risk_monitor")


def test_portfolio_overview_matches_ops_and_a_trader_submits(
    browser_pages: dict[str, Any], home: Path
) -> None:
    from workbench.ops import allocation, portfolio, trade

    with runtime(home) as rt:
        summary = trade.account(rt)
        held = {p.symbol: p.qty for p in trade.positions(rt)}
        planned = allocation.rebalance(rt, portfolio.BookSpec()).plan.orders
        before = {o.id for o in trade.orders(rt, limit=200)}
    page = browser_pages["pages"]["portfolio_overview"]
    assert metric(page, "role") == "trader"
    assert Decimal(metric(page, "equity")) == summary.equity
    assert Decimal(metric(page, "cash")) == summary.cash
    holdings = page.locator('[data-table="holdings"] tbody tr th').all_inner_texts()
    assert sorted(holdings) == sorted(held)
    assert page.locator('[data-table="rebalance"] tbody tr').count() == len(planned) > 0
    assert page.locator(".js-plotly-plot").count() >= 1
    screenshots(page, "portfolio_overview")

    page.click(".wb-submit")
    done = page.wait_for_selector(".wb-submitted", timeout=60_000)
    accepted, refused = (
        int(done.get_attribute("data-accepted")),
        int(done.get_attribute("data-refused")),
    )  # type: ignore[arg-type]
    assert accepted + refused == len(planned) and accepted >= 1
    with runtime(home) as rt:
        sent = [o for o in trade.orders(rt, limit=200) if o.id not in before]
    assert sorted(o.symbol for o in sent) == sorted(o.symbol for o in planned)
    assert {o.side for o in sent} == {o.side.value for o in planned}


def test_a_viewer_sees_the_portfolio_without_a_submit_button(
    browser_pages: dict[str, Any],
) -> None:
    page = browser_pages["pages"]["portfolio_viewer"]
    assert metric(page, "role") == "viewer"
    assert page.locator(".wb-submit").count() == 0
    assert "viewer role may not trade" in page.inner_text(".wb-read-only")


def test_strategy_explorer_reruns_the_backtest_when_a_widget_changes(
    browser_pages: dict[str, Any], home: Path
) -> None:
    from workbench.ops import strategy

    with runtime(home) as rt:
        first = strategy.backtest(rt, "sma_crossover", ["AAPL", "MSFT"], save=False)
        narrow = strategy.backtest(rt, "sma_crossover", ["AAPL"], save=False)
        ema = strategy.backtest(rt, "ema_crossover", ["AAPL"], save=False)
    page = browser_pages["pages"]["strategy_explorer"]
    assert float(metric(page, "total_return")) == round(first.stats.total_return, 6)
    assert int(metric(page, "trades")) == len(first.trades)
    assert page.locator('[data-table="trades"] tbody tr').count() == min(50, len(first.trades))
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .scatterlayer .js-line').length >= 3"
    )
    assert drawn_lines(page) >= 3  # equity, benchmark, drawdown
    screenshots(page, "strategy_explorer")

    # warm: the kernel has run a backtest; a changed symbol list redraws every figure
    symbols = page.locator(".widget-text input").first
    began = time.perf_counter()
    symbols.fill("AAPL")
    symbols.press("Enter")
    expected = str(round(narrow.stats.total_return, 6))
    page.wait_for_selector(
        f'.wb-metric[data-key="total_return"][data-value="{expected}"]', timeout=60_000
    )
    browser_pages["timings"]["symbols_change_s"] = round(time.perf_counter() - began, 2)

    began = time.perf_counter()
    page.select_option(".widget-dropdown select", "ema_crossover")
    page.wait_for_selector('.wb-metric[data-key="strategy"][data-value="ema_crossover"]')
    assert float(metric(page, "total_return")) == round(ema.stats.total_return, 6)
    assert drawn_lines(page) >= 3
    browser_pages["timings"]["strategy_change_s"] = round(time.perf_counter() - began, 2)


def test_run_review_shows_the_stored_backtest(browser_pages: dict[str, Any], home: Path) -> None:
    from workbench.ops import strategy

    with runtime(home) as rt:
        newest = strategy.runs(rt, kind="backtest", limit=1)[0]["run_id"]
        stored = strategy.results(rt, newest)
        trades = strategy.run_records(rt, newest, "trades")
    page = browser_pages["pages"]["run_review"]
    assert int(metric(page, "run_id")) == newest
    assert float(metric(page, "total_return")) == round(stored.stats.total_return, 6)
    assert int(metric(page, "trades")) == trades["total"]
    assert page.locator('[data-table="trades"] tbody tr').count() == trades["shown"]
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .scatterlayer .js-line').length >= 3"
    )
    assert drawn_lines(page) >= 3
    screenshots(page, "run_review")


def test_market_watch_shows_the_last_closes(browser_pages: dict[str, Any], home: Path) -> None:
    from workbench.ops import analysis

    symbols = ["AAPL", "MSFT", "JPM", "XOM", "GE"]
    with runtime(home) as rt:
        closes = analysis.daily_prices(rt, symbols)
    page = browser_pages["pages"]["market_watch"]
    assert page.get_attribute('[data-key="as_of"]', "data-value") == f"{closes.index[-1]:%Y-%m-%d}"
    rows = page.locator('[data-table="watch"] tbody tr')
    shown = {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").nth(1).inner_text()
        for i in range(rows.count())
    }
    assert shown == {s: f"{closes[s].dropna().iloc[-1]:,.4f}" for s in symbols}
    page.wait_for_selector(".js-plotly-plot .scatterlayer .js-line")
    assert drawn_lines(page) == len(symbols)
    screenshots(page, "market_watch")


def test_every_request_stays_on_loopback(browser_pages: dict[str, Any]) -> None:
    figures = {"first_render_s": browser_pages["rendered"], **browser_pages["timings"]}
    (ARTIFACTS / "dashboard-timings.json").write_text(json.dumps(figures, indent=2))
    requests = browser_pages["requests"]
    # blob: and data: URLs are the page's own memory (widget bundles), not the network
    leaving = [
        url
        for url in requests
        if not url.startswith(("blob:", "data:")) and urlparse(url).hostname != "127.0.0.1"
    ]
    assert requests and not leaving, leaving
