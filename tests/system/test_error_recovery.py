"""Failures the running system meets and recovers from, with nothing lost or written twice.

What other suites already prove, and this module does not repeat:

- network failure of the venue, rate limiting and backoff: a share of 500s, bursts of 429s and
  latency from the local exchange's fault injection (``POST /admin/faults``) through the Alpaca
  adapter and the OMS lose and duplicate no order (tests/integration/execution/
  test_exchange_faults.py::test_500s_429s_and_latency_lose_and_duplicate_nothing); a 429 comes
  before any side effect (tests/integration/exchange/test_faults.py); the API's own 429 with
  Retry-After and its recovery (tests/system/test_api_websocket.py::
  test_the_rate_limit_triggers_with_retry_after_and_recovers);
- dropped streams: the market stream reconnects and says so (tests/integration/adapters/
  test_alpaca_stream.py), the trading stream is covered by polling and comes back
  (tests/integration/adapters/test_alpaca_trading_stream.py), fills while it was down are
  booked once (test_exchange_faults.py::test_fills_while_the_trade_stream_is_down_...);
- a restarted exchange keeps its books (tests/integration/exchange/test_restart.py);
- invalid data: malformed bars refused with a quality report and nothing written
  (tests/integration/data/), malformed settings listed by ``config validate``
  (tests/unit/core/test_config.py), out-of-range input to every command group
  (tests/system/test_bad_input.py), to every API route (tests/integration/api/
  test_injection.py, test_errors.py);
- the strategy runner (``workbench trade run``) SIGKILLed at each OMS crash point and resumed
  sends every order once (tests/integration/execution/test_crash_safety.py); a job running when
  the API stops is marked interrupted and resubmitted (tests/system/test_serve_api_jobs.py).

The API, with MCP over HTTP in it, SIGKILLed while orders come in and started again on its
port: tests/system/test_failover_scenarios.py::
test_one_of_two_instances_killed_under_load_clients_retry_onto_the_other (its clients retry
onto the other instance meanwhile; the restarted one answers MCP with every order, once).

Here: the ledger's PostgreSQL restarted under load (a private server: the shared one is never
touched), and the monitor SIGKILLed after raising alerts and started again.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import IN_CI
from tests.integration.api.conftest import key_for
from tests.system.conftest import WORKBENCH, assert_each_order_once
from workbench.core.errors import StoreUnavailable
from workbench.interfaces.api import create_app
from workbench.ops import trade
from workbench.runtime import Runtime
from workbench.testing import PrivatePostgres, postgres_binaries, wait_until

pytestmark = [pytest.mark.system, pytest.mark.requirement("CON-06", "CON-07", "EXE-03", "DEP-08")]


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    binaries = postgres_binaries()
    if binaries is None:
        message = "PostgreSQL's initdb and pg_ctl are not installed"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    with PrivatePostgres(binaries) as server:
        yield server


def test_postgres_restarted_under_load_loses_and_doubles_nothing(
    private_postgres: PrivatePostgres, sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_LEDGER_URL", private_postgres.url)
    monkeypatch.setenv("WB_API__RATE_LIMIT__ENABLED", "false")
    rt = Runtime.from_settings()
    try:
        key = key_for(rt, "trader")
        wanted = [f"pg-{worker}-{n}" for worker in range(2) for n in range(6)]
        answered: list[str] = []
        refused: list[str] = []  # an order that met the outage, with the error's message

        def submit_all(worker: int) -> None:
            for cid in (c for c in wanted if c.startswith(f"pg-{worker}-")):
                request = trade.order_request("AAPL", "buy", qty="1", client_order_id=cid)
                deadline = time.monotonic() + 60
                while True:  # a client's retry: the same client order id until it is answered
                    try:
                        trade.submit(rt, request, actor=f"load-{worker}")
                        break
                    except StoreUnavailable as error:
                        refused.append(error.message)
                        assert time.monotonic() < deadline, "the ledger never came back"
                        time.sleep(0.05)
                answered.append(cid)

        workers = [threading.Thread(target=submit_all, args=(w,)) for w in range(2)]
        try:
            with TestClient(create_app(rt), base_url="http://127.0.0.1") as client:
                client.headers["Authorization"] = f"Bearer {key}"
                for worker in workers:
                    worker.start()
                wait_until(lambda: len(answered) >= 3, what="orders before the outage", timeout=60)
                private_postgres.stop()  # immediate: a crash, mid-transaction for some
                during = client.get("/api/v1/orders")
                ready = client.get("/readyz")
                wait_until(lambda: refused, what="a submit meeting the outage", timeout=30)
                private_postgres.start()
                for worker in workers:
                    worker.join(timeout=120)
                after = client.get("/api/v1/orders", params={"status": "all", "limit": 100})
        finally:
            for worker in workers:
                worker.join(timeout=1)
        assert during.status_code == 503 and during.headers["Retry-After"] == "1"
        assert during.json()["code"] == "store_unavailable"
        assert "ledger is not reachable" in during.json()["detail"]
        assert private_postgres.url.split("@")[1] not in during.text  # not told to clients
        assert ready.status_code == 503
        assert "nothing of this request was written" in refused[0]
        assert sorted(answered) == sorted(wanted)
        assert after.status_code == 200
        assert sorted(o["client_order_id"] for o in after.json()) == sorted(wanted)
        assert_each_order_once(rt, wanted)
    finally:
        rt.close()


def _watch(*extra: str) -> subprocess.Popen[bytes]:
    command = [WORKBENCH, "monitor", "watch", "--symbols", "AAPL", "--replay-from", "2018-01-02"]
    return subprocess.Popen(
        [*command, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_the_monitor_killed_after_raising_restarts_without_a_second_alert(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.ops import monitor

    # a killed sender's claim on a delivery lapses after twice this plus 5 s; then it is sent
    monkeypatch.setenv("WB_CHANNEL_TIMEOUT", "1")
    with Runtime.from_settings() as rt:
        monitor.add_rule(
            rt,
            name="aapl-hi",
            kind="price_above",
            params={"level": 150},
            scope="AAPL",
            channels=["log", "inapp"],
        )
        first = _watch("--seconds", "120")
        try:
            wait_until(lambda: monitor.list_alerts(rt), what="the first alert", timeout=90)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        # the same replay again, past the first claim's lease: the same price crosses the
        # same level, and what the killed process claimed and did not send is due again
        second = _watch("--seconds", "12")
        assert second.wait(timeout=120) == 0
        alerts = monitor.list_alerts(rt)
    assert [a.rule for a in alerts] == ["aapl-hi"]  # one alert: the ledger's dedup held
    # whatever the killed process claimed and did not send, the new one sent: each channel once
    assert {(d.channel, d.status, d.attempts) for d in alerts[0].deliveries} == {
        ("log", "sent", 1),
        ("inapp", "sent", 1),
    }
