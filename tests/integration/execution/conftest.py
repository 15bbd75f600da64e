"""A trading desk of real processes: the ``workbench`` command, run as a user runs it, against a
real local exchange on a loopback port, with the ledger in the test's ``WB_HOME``.

``Desk.cli`` runs one command to its end (``crash=`` sets ``WB_TEST_CRASH_AT`` so the OMS
SIGKILLs itself at that point); ``Desk.spawn`` starts a long-running one (a live runner).
``Desk.books`` reads what the exchange and the ledger each hold, independently of the
workbench's own reconciliation: the exchange through alpaca-py, the ledger through its tables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.exchange.conftest import (
    KEY,
    SECRET,
    Venue,
    sample_lake,
    start_venue,
)
from workbench.ledger import FillRow, Ledger, OrderRow
from workbench.model import OrderStatus

__all__ = ["REBALANCE", "Books", "Desk", "desk", "sample_lake", "start_venue", "wait_for"]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
#: a live run of a daily equal-weight rebalance into three stocks through the Alpaca adapter:
#: its first step sends three market orders (append ``--cycles N``)
REBALANCE = (
    "trade",
    "run",
    "rebalance",
    "--symbols",
    "AAPL,MSFT,JPM",
    "--params",
    "method=equal_weight,rebalance=daily",
    "--broker",
    "alpaca",
    "--json",
)
#: what the ledger calls an order the exchange reports in each of these states
_LEDGER_STATUS = {"new": "accepted", "pending_new": "submitted", "held": "accepted"}


@dataclass(frozen=True)
class Books:
    """Each side's orders by ``client_order_id``: (status as the ledger names it, filled qty)."""

    exchange: dict[str, tuple[str, Decimal]]
    #: every order but those refused before they reached the broker
    ledger: dict[str, tuple[str, Decimal]]
    #: orders the ledger holds as rejected before they reached the broker (risk gate)
    refused: list[str]
    #: client order ids the exchange lists more than once (must stay empty)
    exchange_duplicates: list[str]
    #: per client order id, the quantity of the fills the ledger booked
    booked: dict[str, Decimal]


@dataclass
class Desk:
    venue: Venue
    home: Path
    env: dict[str, str]
    spawned: list[subprocess.Popen[str]] = field(default_factory=list)

    def cli(
        self, *args: str, crash: str | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if crash is not None:
            env["WB_TEST_CRASH_AT"] = crash
        return subprocess.run(
            [WORKBENCH, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )

    def json(self, *args: str) -> Any:
        """The JSON document of a command that must succeed."""
        result = self.cli(*args, "--json")
        assert result.returncode == 0, result.stderr + result.stdout
        return json.loads(result.stdout)

    def spawn(self, *args: str, crash: str | None = None) -> subprocess.Popen[str]:
        env = dict(self.env)
        if crash is not None:
            env["WB_TEST_CRASH_AT"] = crash
        process = subprocess.Popen(
            [WORKBENCH, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.spawned.append(process)
        return process

    def decisions(self, run_id: int) -> list[dict[str, Any]]:
        """The steps a strategy run recorded so far (``runs/<id>/decisions.jsonl``)."""
        path = self.home / "runs" / str(run_id) / "decisions.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def ledger(self) -> Ledger:
        """The ledger the desk's commands use (``WB_LEDGER_URL``, else SQLite in its home)."""
        return Ledger.from_url(
            self.env.get("WB_LEDGER_URL") or f"sqlite:///{self.home / 'ledger.db'}"
        )

    def books(self) -> Books:
        from alpaca.trading.requests import GetOrdersRequest

        listed = self.venue.trading().get_orders(GetOrdersRequest(status="all", limit=500))
        counts = Counter(order.client_order_id for order in listed)
        exchange = {
            order.client_order_id: (
                _LEDGER_STATUS.get(order.status.value, order.status.value),
                Decimal(str(order.filled_qty or 0)),
            )
            for order in listed
        }
        ledger = self.ledger()
        try:
            with ledger.session(read_only=True) as session:
                rows = session.execute(
                    sa.select(
                        OrderRow.client_order_id,
                        OrderRow.status,
                        OrderRow.filled_qty,
                        OrderRow.broker_order_id,
                    )
                ).all()
                fills = session.execute(
                    sa.select(OrderRow.client_order_id, sa.func.sum(FillRow.qty))
                    .join(FillRow, FillRow.order_id == OrderRow.id)
                    .group_by(OrderRow.client_order_id)
                ).all()
        finally:
            ledger.dispose()
        return Books(
            exchange=exchange,
            ledger={
                cid: (str(status), Decimal(filled or 0))
                for cid, status, filled, sent in rows
                if sent is not None or status != OrderStatus.REJECTED
            },
            refused=sorted(
                cid
                for cid, status, _, sent in rows
                if sent is None and status == OrderStatus.REJECTED
            ),
            exchange_duplicates=sorted(cid for cid, n in counts.items() if n > 1),
            booked={cid: Decimal(qty) for cid, qty in fills},
        )

    def assert_books_agree(self) -> Books:
        """The same orders on both sides, once each, in the same state, with the same fills."""
        books = self.books()
        assert books.exchange_duplicates == []
        assert books.ledger == books.exchange
        filled = {cid: qty for cid, (_, qty) in books.ledger.items() if qty}
        assert books.booked == filled
        return books


def wait_for(
    condition: Callable[[], bool], what: str, *, timeout: float = 120, process: Any = None
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` (and a process's output when it
    ended early) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the process ended ({process.returncode}) before {what}: {err}{out}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def desk(start_venue: Callable[..., Venue], sample_lake: Path, wb_home: Path) -> Iterator[Desk]:
    """A ``WB_HOME`` holding the sample lake, configured for the Alpaca adapter on an exchange
    one minute before the open of 2017-01-03."""
    venue = start_venue()
    (wb_home / "lake").symlink_to(sample_lake)
    env = {
        **os.environ,
        "WB_HOME": str(wb_home),
        "WB_BROKER": "alpaca",
        "WB_ALPACA__API_KEY": KEY,
        "WB_ALPACA__SECRET_KEY": SECRET,
        "WB_ALPACA__URL": venue.url,
        "WB_ALPACA__DATA_URL": venue.url,
        "WB_LOG_LEVEL": "WARNING",
    }
    desk = Desk(venue, wb_home, env)
    yield desk
    for process in desk.spawned:  # a test that failed half-way leaves no runner behind
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
