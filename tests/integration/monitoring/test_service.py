"""The running monitor over a real ledger: books valued at the pipeline's latest prices feed
the portfolio rules; bus events feed the event rules; health checks read the real stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.unit.monitoring.conftest import batch
from workbench.adapters.ports import StreamStatus
from workbench.core import topics
from workbench.core.clock import ReplayClock
from workbench.core.errors import Retryable
from workbench.core.events import EventBus
from workbench.data import Lake
from workbench.data.sample import read_sample
from workbench.ledger import AccountRow, CashMovementRow, Ledger, PositionRow
from workbench.model import TradingState
from workbench.monitoring import RuleSpec, check_rule, configured_channels, run_health_checks
from workbench.monitoring.book import HistoricalBookVaR
from workbench.monitoring.channels import ChannelSettings
from workbench.monitoring.health import HealthThresholds
from workbench.monitoring.service import MonitorService

pytestmark = pytest.mark.requirement("MON-04")

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    with ledger.session() as session:
        account = AccountRow(name="main", broker="paper")
        session.add(account)
        session.flush()
        session.add(
            CashMovementRow(
                account_id=account.id,
                amount=Decimal("50000"),
                kind="deposit",
                reference="d1",
                occurred_at=NOW,
            )
        )
        session.add(
            PositionRow(
                account_id=account.id,
                symbol="AAPL",
                qty=Decimal("300"),
                avg_entry_price=Decimal("150"),
            )
        )
        session.add(
            PositionRow(
                account_id=account.id,
                symbol="MSFT",
                qty=Decimal("100"),
                avg_entry_price=Decimal("400"),
            )
        )
    yield ledger
    ledger.dispose()


def service_with(ledger: Ledger, *rules: RuleSpec, **options: Any) -> MonitorService:
    channels = configured_channels(ChannelSettings.model_validate({}))
    probe = MonitorService(ledger, channels)
    for rule in rules:
        probe.store.add_rule(check_rule(rule, symbols=None, channels=channels))
    return MonitorService(ledger, channels, **options)


def test_books_at_latest_prices_feed_the_portfolio_rules(ledger: Ledger) -> None:
    clock = ReplayClock(NOW)
    service = service_with(
        ledger,
        RuleSpec("dd", "drawdown", {"max_drawdown": 0.05}, scope="main"),
        RuleSpec("drift", "weight_drift", {"targets": {"AAPL": 0.5, "MSFT": 0.4}, "band": 0.05}),
        RuleSpec("loss", "daily_loss", {"max_loss": 4000}),
        clock=clock,
    )
    index = service.pipeline.index
    service.pipeline.process(batch(index, [("AAPL", 0, 149.99, 150.01), ("MSFT", 0, 400, 400)]))
    view = service.tick()
    (book,) = view.snapshots
    assert book.equity == pytest.approx(50_000 + 45_000 + 40_000)
    assert book.weights == {"AAPL": pytest.approx(45 / 135), "MSFT": pytest.approx(40 / 135)}
    # AAPL is 33 % against a 50 % target: rebalance due at once
    assert [a.rule for a in service.engine.raised] == ["drift"]
    clock.advance(timedelta(minutes=5))
    service.pipeline.process(batch(index, [("AAPL", 300, 129.99, 130.01)]))
    service.tick()
    # 135,000 -> 129,000: 4.4 % down (under 5 %), a 6,000 loss on the day (over 4,000)
    assert [a.rule for a in service.engine.raised] == ["drift", "loss"]
    clock.advance(timedelta(minutes=5))
    service.pipeline.process(batch(index, [("AAPL", 600, 124.99, 125.01)]))
    service.tick()
    assert [a.rule for a in service.engine.raised] == ["drift", "loss", "dd"]
    assert service.engine.raised[-1].details["drawdown"] == pytest.approx(7_500 / 135_000)


def test_rules_added_and_removed_elsewhere_apply_at_the_next_tick(ledger: Ledger) -> None:
    clock = ReplayClock(NOW)
    bus = EventBus()
    service = service_with(ledger, clock=clock, bus=bus)
    index = service.pipeline.index
    with service.start(dispatch=False):
        service.pipeline.process(batch(index, [("AAPL", 0, 149.99, 150.01)]))
        assert service.engine.rules == []
        # another process (`workbench monitor rules add`) writes two rules to the ledger
        other = service_with(
            ledger,
            RuleSpec("aapl-high", "price_above", {"level": 160}, scope="AAPL"),
            RuleSpec("rejects", "order_rejected", {}),
        )
        assert service.reload_rules() is True
        assert service.reload_rules() is False  # nothing changed since
        service.pipeline.process(batch(index, [("AAPL", 60, 160.99, 161.01)]))
        bus.publish(topics.ORDER_REJECTED, {"rule": "max_order_notional", "symbol": "MSFT"})
        assert [a.rule for a in service.engine.raised] == ["aapl-high", "rejects"]
        other.store.remove_rule("aapl-high")
        service.tick()
        assert [rule.name for rule in service.engine.rules] == ["rejects"]


def test_event_rules_on_the_bus(ledger: Ledger) -> None:
    bus = EventBus()
    service = service_with(
        ledger, RuleSpec("recon", "reconciliation_mismatch", {}, channels=("inapp",)), bus=bus
    )
    with service.start(dispatch=False):
        bus.publish(
            topics.RECONCILIATION,
            {
                "account": "main",
                "ok": False,
                "adopted": 0,
                "fills_applied": 0,
                "differences": ["cash 10 vs 12"],
                "at": NOW.isoformat(),
            },
        )
        bus.publish(topics.ORDER_REJECTED, {"rule": "max_notional", "symbol": "AAPL"})
        bus.publish(topics.FILL, None)
    (alert,) = service.store.alerts()
    assert alert.message == "reconciliation of main found: cash 10 vs 12"
    exposition = service.metrics.render().decode()
    assert "workbench_reconciliation_mismatches_total 1.0" in exposition
    assert 'workbench_order_rejects_total{rule="max_notional"} 1.0' in exposition
    assert "workbench_fills_total 1.0" in exposition


class _DownBroker:
    def account(self) -> Any:
        raise Retryable("broker at http://127.0.0.1:1 did not answer")


def test_health_checks_read_the_real_stores(ledger: Ledger, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    (lake / "bars_1d").mkdir(parents=True)
    fresh = StreamStatus(connected=True, last_message_at=NOW - timedelta(seconds=2))
    report = run_health_checks(
        ledger=ledger,
        lake_dir=lake,
        home=tmp_path,
        now=NOW,
        stream=fresh,
        reference_clock=lambda: datetime.now(UTC),
    )
    status = {c.name: c.status for c in report.checks}
    assert status == {
        "ledger": "ok",
        "lake": "ok",
        "broker": "skip",
        "stream_lag": "ok",
        "clock_drift": "ok",
        "disk_space": "ok",
        "trading_state": "ok",
    }
    assert report.healthy and report.ready

    with ledger.session() as session:
        session.get_one(AccountRow, 1).trading_state = TradingState.HALTED
    lagging = StreamStatus(connected=True, last_message_at=NOW - timedelta(minutes=5))
    skewed = lambda: datetime.now(UTC) - timedelta(seconds=30)  # noqa: E731
    free = shutil.disk_usage(tmp_path).free
    report = run_health_checks(
        ledger=ledger,
        lake_dir=tmp_path / "none",
        home=tmp_path,
        now=NOW,
        broker=_DownBroker(),
        stream=lagging,
        reference_clock=skewed,
        thresholds=HealthThresholds(min_free_disk_bytes=free * 2),
    )
    checks = {c.name: (c.status, c.detail) for c in report.checks}
    assert checks["trading_state"] == ("warn", "main halted")
    assert checks["lake"][0] == "warn"
    assert checks["broker"] == ("fail", "Retryable: broker at http://127.0.0.1:1 did not answer")
    assert checks["stream_lag"] == ("fail", "last message 300.0 s ago (limit 30 s)")
    assert checks["clock_drift"][0] == "fail" and "+30.0" in checks["clock_drift"][1]
    assert checks["disk_space"][0] == "fail"
    assert not report.healthy and report.ready
    assert report.to_dict()["healthy"] is False


def test_an_unmigrated_ledger_is_unhealthy_and_not_ready(tmp_path: Path) -> None:
    empty = Ledger.from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    report = run_health_checks(ledger=empty, lake_dir=tmp_path, home=tmp_path, now=NOW)
    ledger_check = report.checks[0]
    assert ledger_check.status == "fail" and "run `workbench db upgrade`" in ledger_check.detail
    assert not report.healthy and not report.ready
    empty.dispose()


def test_var_limit_reads_the_books_historical_var(ledger: Ledger, tmp_path: Path) -> None:
    daily = read_sample("bars_1d")
    lake = Lake(tmp_path / "lake")
    lake.ingest(daily[daily["symbol"].isin(["AAPL", "MSFT"])], "bars_1d", policy="drop")
    service = service_with(
        ledger,
        RuleSpec("var", "var_limit", {"limit": 1400}),
        clock=ReplayClock(NOW),
        var=HistoricalBookVaR(lake),
    )
    service.pipeline.process(
        batch(service.pipeline.index, [("AAPL", 0, 150, 150), ("MSFT", 0, 400, 400)])
    )
    (book,) = service.tick().snapshots
    closes = lake.prices(["AAPL", "MSFT"]).tail(251)
    pnl = closes.pct_change().iloc[1:].to_numpy() @ np.array([45_000.0, 40_000.0])
    assert book.var == pytest.approx(-np.quantile(pnl, 0.05), rel=1e-9)
    assert 1000 < book.var < 1500  # about 1.5 % of the 85,000 held, one bad day in twenty
    (alert,) = service.engine.raised
    assert alert.rule == "var" and alert.details["used"] == book.var
    lake.close()
