"""``workbench run``, what ``make run`` does, as a user runs it: the daily pipeline notebook
through papermill on the workbench kernel, its summary, then the API and the dashboards served
until SIGINT."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

import workbench

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.requirement("INT-08")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
RUN = (WORKBENCH, "run")
SAMPLE_BARS = 88_211 + 7_110 + 5_359 + 6_253


def test_the_main_job_runs_the_pipeline_notebook_on_the_embedded_default(wb_home: Path) -> None:
    """`make run ARGS=--no-serve` on an empty home: the sample is loaded, the paper run replays
    about six months, the rules are evaluated, the report is written and recorded, and the
    executed notebook is kept under <home>/runs/daily/ with nothing half-written beside it."""
    done = subprocess.run(
        [WORKBENCH, "run", "--no-serve", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    seen = json.loads(done.stdout)
    from workbench.ops import daily, monitor, parity, report, trade_runs

    assert seen["loaded"] == SAMPLE_BARS and seen["quality_errors"] == 0
    assert seen["symbols"] == list(daily.DAILY_SYMBOLS)
    assert len(seen["gate"]) == seen["signal_orders"]
    run = seen["run"]
    assert run["sessions"] == daily.DAILY_SESSIONS == 126 and run["status"] == "succeeded"
    assert set(seen["alerts"]) == {"aapl-rsi-overbought", "msft-below-80"}

    kept = sorted((wb_home / "runs" / "daily").iterdir())
    assert [p.name for p in kept] == [Path(seen["notebook"]).name, Path(seen["summary_path"]).name]
    assert kept[0].name.startswith("daily_pipeline-") and kept[0].suffix == ".ipynb"
    executed = json.loads(kept[0].read_text())
    assert all(c.get("metadata", {}).get("papermill", {}).get("exception") is False
               for c in executed["cells"] if c["cell_type"] == "code")  # fmt: skip
    assert json.loads(kept[1].read_text()) == {
        k: v for k, v in seen.items() if k not in ("home", "notebook", "summary_path", "seconds")
    }

    with workbench.open() as wb:
        summary = trade_runs.run_summary(wb, run["run_id"])
        compared = parity.parity(wb, run["run_id"])
        recorded = report.reports(wb)
        rules = {rule.name for rule in monitor.list_rules(wb)}
        replayed = monitor.dry_run_rule(
            wb,
            "aapl-rsi-overbought",
            start=date.fromisoformat(str(summary.start)),
            end=date.fromisoformat(str(summary.end)),
        )
    assert (run["orders"], run["fills"]) == (summary.orders, summary.fills) and summary.fills > 0
    assert run["final_equity"] == str(summary.final_equity)
    assert seen["parity"]["paper_final"] == pytest.approx(compared.paper_final)
    assert seen["parity"]["explanations"] == compared.explanations
    assert [r.id for r in recorded] == [seen["report"]["id"]]
    assert recorded[0].run_id == run["run_id"]
    written = Path(recorded[0].path)
    assert written.is_relative_to(wb_home / "reports") and "Daily report" in written.read_text()
    assert rules == set(seen["alerts"])
    assert seen["alerts"]["aapl-rsi-overbought"] == len(replayed.alerts)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def test_serving_mode_prints_its_urls_answers_and_stops_cleanly_on_sigint(
    sample_home: Path,
) -> None:
    api_port, dashboards_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [
            *RUN,
            "--sessions",
            "10",
            "--api-port",
            str(api_port),
            "--dashboards-port",
            str(dashboards_port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, out), daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 400
        while not any(line.startswith("Serving until Ctrl+C") for line in seen):
            assert time.monotonic() < deadline and process.poll() is None, "".join(seen)
            try:
                seen.append(out.get(timeout=1))
            except queue.Empty:
                continue
        text = "".join(seen)
        for shown in ("Daily pipeline ran", "Orders ", "P&L: ", "Alerts raised", "Parity with"):
            assert shown in text
        api = f"http://127.0.0.1:{api_port}"
        dashboards = f"http://127.0.0.1:{dashboards_port}/"
        assert f"API:        {api} (docs at {api}/docs)\n" in seen
        assert f"Dashboards: {dashboards}\n" in seen
        assert httpx.get(f"{api}/healthz", timeout=10).status_code == 200
        page = httpx.get(dashboards, timeout=60)
        assert page.status_code == 200 and "Voilà Home" in page.text

        # a second main job on a port now taken says so in one line, before any pipeline runs
        taken = subprocess.run(
            [*RUN, "--api-port", str(_free_port()), "--dashboards-port", str(dashboards_port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert taken.returncode == 1 and taken.stdout == ""
        assert taken.stderr.strip().count("\n") == 0
        assert f"port {dashboards_port} on 127.0.0.1 is not free" in taken.stderr
        assert "--dashboards-port" in taken.stderr
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "API and dashboards stopped" in err
    assert _is_free(api_port) and _is_free(dashboards_port)
