"""What the system tests share: a fresh ``WB_HOME`` per test holding a writable copy (hard
links) of the sample lake that ``tests/conftest.py`` loads once for the whole run, so a command
that writes to its lake never changes what another test reads."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Path:
    return shared_sample_lake


@pytest.fixture
def home(sample_home: Path) -> Path:
    """This test's WB_HOME, its lake a copy of the sample."""
    return sample_home


def start_api(*ports: int, env: dict[str, str] | None = None) -> list[subprocess.Popen[bytes]]:
    """``workbench serve api`` on each of ``ports`` at once (rate limits off unless ``env``
    says otherwise), returned when every ``/readyz`` answers 200."""
    import httpx

    from workbench.testing import wait_until

    folder = Path(tempfile.mkdtemp(prefix="wb-api-logs-"))
    processes = []
    for port in ports:
        # a file, not a pipe: a server's log must never fill a pipe nobody reads and block
        with (folder / f"{port}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [WORKBENCH, "serve", "api", "--port", str(port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={"WB_API__RATE_LIMIT__ENABLED": "false", **(env or os.environ)},
                )
            )

    def ready(port: int, process: subprocess.Popen[bytes]) -> bool:
        if process.poll() is not None:
            raise AssertionError((folder / f"{port}.log").read_text(errors="replace")[-3000:])
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    for port, process in zip(ports, processes, strict=True):
        wait_until(lambda p=port, s=process: ready(p, s), what=f"the API on {port}", timeout=90)
    return processes


def assert_each_order_once(rt: Any, wanted: list[str]) -> None:
    """Each client order id once in the ledger and once at the venue, none left an intent of
    unknown fate, the books reconciled and the audit chain intact."""
    from collections import Counter

    from workbench.ops import audit, trade

    ledger = trade.orders(rt, status="all", limit=1000)
    assert Counter(view.client_order_id for view in ledger) == dict.fromkeys(wanted, 1)
    venue = Counter(order.client_order_id for order in rt.broker.orders("all"))
    assert venue == dict.fromkeys(wanted, 1)
    assert trade.reconcile(rt).ok  # positions, cash and each order's state agree
    # a retried send that was already placed may still wait for the replay's next print (the
    # retry's answer is that order, not a send): accepted, never new or submitted
    assert {view.status for view in ledger} <= {"filled", "accepted"}
    assert audit.verify(rt).ok
