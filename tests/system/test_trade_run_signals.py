"""``workbench trade run`` as a process: SIGTERM ends it after the session under way with the
run recorded as canceled, and ``--run-id`` resumes it to the end without sending any order
twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.exchange.sessions import exchange_calendar

pytestmark = [pytest.mark.system, pytest.mark.requirement("EXE-06")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
RUN = [
    "trade",
    "run",
    "momentum_rotation",
    "--symbols",
    "AAPL,MSFT,AMZN,JPM,XOM,WMT",
    "--params",
    "top=2,lookback=63,skip=5,rebalance=weekly",
    "--broker",
    "paper",
    "--start",
    "2017-09-01",
    "--end",
    "2017-12-29",
]


def test_sigterm_stops_after_a_session_and_the_run_resumes(home: Path) -> None:
    wb_home = home
    process = subprocess.Popen(
        [WORKBENCH, *RUN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 240
    sessions = 0
    while sessions < 3 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        sessions += line.startswith("2017-")
    assert sessions == 3, process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "SIGTERM: stopping after the step under way" in err
    assert "canceled" in out
    engine = sa.create_engine(f"sqlite:///{wb_home / 'ledger.db'}")
    with engine.connect() as connection:
        run_id, status = connection.execute(sa.text("SELECT id, status FROM runs")).one()
    assert status == "canceled"
    resumed = subprocess.run(
        [WORKBENCH, "trade", "run", "--run-id", str(run_id), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    sessions_in_span = len(exchange_calendar().between(date(2017, 9, 1), date(2017, 12, 29)))
    assert summary["status"] == "succeeded" and summary["sessions"] == sessions_in_span
    with engine.connect() as connection:
        ids = (
            connection.execute(
                sa.text("SELECT client_order_id FROM orders WHERE run_id = :r"), {"r": run_id}
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert len(ids) == len(set(ids)) == summary["orders"] > 0
