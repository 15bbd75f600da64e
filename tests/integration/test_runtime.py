"""One runtime shared by several threads, as a long-lived process (the API, MCP, a dashboard
kernel) holds it: every part is built once however many threads ask for it first, and orders
submitted from several threads at once, between reads of the same account, are each placed
once and booked once, on the embedded SQLite ledger and on PostgreSQL."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.exchange.conftest import sample_lake
from workbench.adapters import register_venue
from workbench.adapters.paper import PaperBroker
from workbench.adapters.paper.venue import PaperVenue
from workbench.core.config import Settings, load_settings
from workbench.execution import SubmitResult
from workbench.ledger import FillRow, OrderRow
from workbench.ops import trade
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("CFG-05")

__all__ = ["sample_lake"]

SYMBOLS = ["AAPL", "MSFT", "JPM", "XOM", "JNJ", "WMT"]
THREADS = 6


@pytest.fixture
def home(sample_lake: Path, wb_home: Path) -> Path:
    shutil.copytree(sample_lake, wb_home / "lake")
    return wb_home


def _all_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` on ``count`` threads released together by a barrier."""
    start = threading.Barrier(count)

    def run(i: int) -> Any:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


class _SlowPaperVenue(PaperVenue):
    """The paper venue, slow to open its book and counting how often it does: a window
    wide enough for two threads to both find the broker missing."""

    built = 0

    def broker(self) -> PaperBroker:
        type(self).built += 1
        time.sleep(0.2)
        return super().broker()


@pytest.fixture
def slow_paper() -> Iterator[type[_SlowPaperVenue]]:
    _SlowPaperVenue.built = 0
    register_venue("paper", _SlowPaperVenue)
    yield _SlowPaperVenue
    register_venue("paper", "workbench.adapters.paper.venue:PaperVenue")


def test_threads_asking_at_once_get_one_broker_one_oms_and_one_ledger(
    home: Path, slow_paper: type[_SlowPaperVenue]
) -> None:
    with Runtime.from_settings(load_settings(home=home)) as rt:
        parts = _all_at_once(THREADS, lambda i: (rt.broker, rt.oms, rt.ledger, rt.data))
    assert slow_paper.built == 1
    for index in range(4):
        assert len({id(found[index]) for found in parts}) == 1


def test_orders_from_many_threads_are_placed_once_and_booked_once(
    home: Path, ledger_url: str
) -> None:
    """Each thread submits one order and reads the account, its orders and positions while
    the others submit; then the ledger, the paper book and reconciliation all agree."""
    settings: Settings = load_settings(home=home, ledger_url=ledger_url)

    def submit_and_read(i: int) -> tuple[SubmitResult, int]:
        request = trade.order_request(SYMBOLS[i], "buy", qty=2, client_order_id=f"thread-{i}")
        result = trade.submit(rt, request, actor=f"thread-{i}")
        trade.positions(rt)
        trade.account(rt)
        return result, len(trade.orders(rt))

    with Runtime.from_settings(settings) as rt:
        outcomes = _all_at_once(THREADS, submit_and_read)
        assert all(result.accepted for result, _ in outcomes), [r.to_dict() for r, _ in outcomes]
        assert all(seen >= 1 for _, seen in outcomes)
        placed = rt.broker.orders("all")
        report = trade.reconcile(rt)
        summary = trade.account(rt)
        with rt.ledger.session(read_only=True) as session:
            ledger_orders = Counter(session.scalars(sa.select(OrderRow.client_order_id)))
            booked: dict[str, Decimal] = {}
            rows = session.execute(
                sa.select(OrderRow.client_order_id, FillRow.qty).join(
                    FillRow, FillRow.order_id == OrderRow.id
                )
            )
            for cid, qty in rows:
                booked[cid] = booked.get(cid, Decimal(0)) + qty

    wanted = {f"thread-{i}" for i in range(THREADS)}
    assert ledger_orders == Counter(wanted)  # each order once in the ledger
    assert Counter(o.client_order_id for o in placed) == Counter(wanted)  # and at the broker
    assert booked == {o.client_order_id: o.filled_qty for o in placed if o.filled_qty}
    assert report.ok, report.to_dict()
    assert summary.cash == summary.broker_cash


def test_a_commands_runtime_is_closed_when_the_command_ends(home: Path) -> None:
    """``open_runtime`` ties the runtime to the command's click context: whatever the command
    opened (the ledger's connections, the broker's book) is released when it ends."""
    import click

    from workbench.interfaces.cli._common import open_runtime

    with click.Context(click.Command("probe")):
        rt = open_runtime()
        trade.account(rt)
        assert {"broker", "oms", "ledger"} <= set(vars(rt))
    assert not {"broker", "oms", "ledger"} & set(vars(rt))


def test_the_account_id_once_linked_never_waits_on_the_trading_lock(home: Path) -> None:
    """Reads ask for the account id inside a ledger session. Had they waited there for the
    trading lock, each would hold a pooled connection the lock's holder may need: with sixty
    account reads queued behind a held lock the pool ran dry and reads failed after 30 s."""
    with Runtime.from_settings() as rt:
        linked = rt.oms.account_id
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with rt.trading_lock:
                held.set()
                release.wait(30)

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert held.wait(10)
            with ThreadPoolExecutor(1) as pool:
                assert pool.submit(lambda: rt.oms.account_id).result(timeout=10) == linked
        finally:
            release.set()
            holder.join()
