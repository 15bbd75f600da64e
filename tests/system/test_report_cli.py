"""``workbench report`` as a user runs it: real processes over a lake holding the sample and a
ledger holding a recorded paper session; the daily HTML report opened in headless Chromium with
every request watched."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from workbench.core.config import load_settings
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.requirement("REP-02")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def paper_session_module() -> ModuleType:
    path = ROOT / "tests" / "integration" / "reporting" / "paper_session.py"
    spec = importlib.util.spec_from_file_location("system_paper_session", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def home(sample_lake: Path, wb_home: Path) -> Path:
    """This test's WB_HOME: the sample's lake, a ledger with one paper session."""
    (wb_home / "lake").symlink_to(sample_lake, target_is_directory=True)
    module = paper_session_module()
    with Runtime.from_settings(load_settings(home=wb_home, **module.session_settings())) as runtime:
        module.write_paper_session(runtime)
        runtime.data.close()
    return wb_home


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, "report", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ),
        check=False,
    )


def test_generate_list_and_export(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "daily.html"
    made = run("generate", "daily", "--format", "html", "--out", str(out), "--json")
    assert made.returncode == 0, made.stderr
    document = json.loads(made.stdout)
    assert document["path"] == str(out) and out.stat().st_size > 1_000_000
    assert document["kind"] == "daily" and document["run_id"] == 1
    listed = run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == [document["id"]]
    export = run(
        "export", "orders", "--format", "csv", "--from", "2017-12-01", "--to", "2017-12-31",
        "--out", str(tmp_path / "orders.csv"), "--json",
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    assert json.loads(export.stdout)["rows"] == 2
    assert (tmp_path / "orders.csv").read_text().count("\n") == 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["generate", "performance", "--run", "999"], "no run 999 in the ledger"),
        (["generate", "risk", "--out", "/no/such/folder/r.pdf"], "cannot write /no/such/folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_1(
    home: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    result = run(*args, "--json")
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    reports = home / "reports"
    assert not reports.exists() or not any(reports.iterdir()), "nothing is left behind"


def test_the_daily_html_opens_offline_in_chromium(home: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if IN_CI:
            pytest.fail(f"{message}; under CI=true this must not skip")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    from workbench.ops import report

    with Runtime.from_settings(load_settings(home=home)) as runtime:
        out = Path(report.daily_report(runtime, out=tmp_path / "daily.html").path)
        runtime.data.close()
    artifacts = Path(os.environ.get("WB_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        try:
            for name, width in (("desktop", 1280), ("phone", 390)):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.on("request", lambda request: requests.append(request.url))
                page.goto(out.as_uri())
                page.wait_for_selector(".plotly .main-svg", timeout=30_000)
                charts = page.locator("[data-chart]").count()
                drawn = page.locator("[data-chart] .main-svg").count()
                assert charts >= 5 and drawn >= charts, (charts, drawn)
                # a phone never scrolls the page sideways: wide tables scroll in their box
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{name}: page is {scroll}px wide"
                page.screenshot(path=str(artifacts / f"daily-report-{name}.png"), full_page=False)
                page.close()
        finally:
            browser.close()
    leaving = [url for url in requests if not url.startswith(("file:", "data:", "blob:"))]
    assert requests and not leaving, leaving
    assert (artifacts / "daily-report-phone.png").stat().st_size > 10_000
