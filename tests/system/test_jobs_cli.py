"""``workbench jobs``: the operator lists, shows and cancels the jobs users queued through the
API (rows in a real ledger under WB_HOME; the command in process, as installed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.interfaces.cli.app import app
from workbench.ledger import JobRow
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.requirement("INT-04")]


@pytest.fixture
def queued(wb_home: Path) -> None:
    with Runtime.from_settings() as rt, rt.ledger.session() as session:
        for owner, state in [("alice", "succeeded"), ("bob", "queued")]:
            session.add(
                JobRow(
                    kind="backtest",
                    owner=owner,
                    parameters={"strategy": "sma_crossover"},
                    state=state,
                    progress=1.0 if state == "succeeded" else 0.0,
                    attempts=1,
                    result_id=3 if state == "succeeded" else None,
                    result_kind="run" if state == "succeeded" else None,
                )
            )


def test_the_operator_lists_shows_and_cancels_every_users_jobs(queued: None) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["jobs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(j["id"], j["owner"]) for j in json.loads(listed.stdout)] == [(2, "bob"), (1, "alice")]
    shown = runner.invoke(app, ["jobs", "show", "1"])
    assert "job 1: backtest by alice, succeeded" in shown.stdout
    assert "result: run 3" in shown.stdout

    canceled = runner.invoke(app, ["jobs", "cancel", "2", "--json"])
    assert canceled.exit_code == 0, canceled.output
    assert json.loads(canceled.stdout)["state"] == "canceled"
    again = runner.invoke(app, ["jobs", "cancel", "2"])
    assert again.exit_code == 1
    assert "job 2 is canceled: only a queued or running job can be canceled" in again.stderr
    missing = runner.invoke(app, ["jobs", "show", "9"])
    assert missing.exit_code == 1 and "no job 9" in missing.stderr
    bad = runner.invoke(app, ["jobs", "list", "--state", "lost"])
    assert bad.exit_code == 1 and "unknown job state 'lost'" in bad.stderr
