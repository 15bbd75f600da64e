"""Health checks: ledger, lake, broker connectivity, stream lag, clock drift, disk space and
trading state. Each check is ``ok``, ``warn`` (worth a look, still serving), ``fail`` or
``skip`` (nothing to check here, e.g. no broker configured). ``healthy`` means no failure;
``ready`` means the stores a request needs (ledger and lake) answer.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from workbench.adapters.ports import Broker, StreamStatus
from workbench.ledger import AccountRow, Ledger
from workbench.model import TradingState

__all__ = ["HealthCheck", "HealthReport", "HealthThresholds", "run_health_checks"]

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class HealthCheck:
    name: str
    status: Status
    detail: str
    seconds: float = 0.0


@dataclass(frozen=True)
class HealthReport:
    checks: list[HealthCheck]

    @property
    def healthy(self) -> bool:
        return all(check.status != "fail" for check in self.checks)

    @property
    def ready(self) -> bool:
        essential = {"ledger", "lake"}
        return all(c.status in {"ok", "warn"} for c in self.checks if c.name in essential)

    def to_dict(self) -> dict[str, object]:
        return {
            "healthy": self.healthy,
            "ready": self.ready,
            "checks": [
                {
                    "name": c.name,
                    "status": c.status,
                    "detail": c.detail,
                    "seconds": round(c.seconds, 4),
                }
                for c in self.checks
            ],
        }


@dataclass(frozen=True)
class HealthThresholds:
    max_stream_lag_seconds: float = 30.0
    max_clock_drift_seconds: float = 2.0
    min_free_disk_bytes: int = 1 << 30
    min_free_disk_fraction: float = 0.05


@dataclass
class _Inputs:
    ledger: Ledger | None
    lake_dir: Path | str
    home: Path
    broker: Broker | None
    stream: StreamStatus | None
    now: datetime
    reference_clock: Callable[[], datetime] | None
    limits: HealthThresholds = field(default_factory=HealthThresholds)


def run_health_checks(
    *,
    ledger: Ledger | None,
    lake_dir: Path | str,
    home: Path,
    now: datetime,
    broker: Broker | None = None,
    stream: StreamStatus | None = None,
    reference_clock: Callable[[], datetime] | None = None,
    thresholds: HealthThresholds | None = None,
) -> HealthReport:
    """Every check, each timed; a check that raises is a failure naming the error."""
    inputs = _Inputs(
        ledger,
        lake_dir,
        home,
        broker,
        stream,
        now,
        reference_clock,
        thresholds or HealthThresholds(),
    )
    checks = []
    for name, check in _CHECKS.items():
        began = time.perf_counter()
        try:
            status, detail = check(inputs)
        except Exception as error:
            status, detail = "fail", f"{type(error).__name__}: {error}"
        checks.append(HealthCheck(name, status, detail, time.perf_counter() - began))
    return HealthReport(checks)


def _ledger(i: _Inputs) -> tuple[Status, str]:
    if i.ledger is None:
        return "fail", "no ledger configured"
    revision, head = i.ledger.current(), i.ledger.head()
    if revision != head:
        return (
            "fail",
            f"{i.ledger.url} at revision {revision}, expected {head}: run `workbench db upgrade`",
        )
    return "ok", f"{i.ledger.url} at revision {revision}"


def _lake(i: _Inputs) -> tuple[Status, str]:
    if isinstance(i.lake_dir, str):  # an object store: listing it here would cost requests
        return "ok", f"object-store lake at {i.lake_dir} (not listed by the health check)"
    if not i.lake_dir.is_dir():
        return "warn", f"no lake at {i.lake_dir} yet: `workbench data load-sample` makes one"
    datasets = sorted(
        p.name for p in i.lake_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    if not datasets:
        return "warn", f"the lake at {i.lake_dir} is empty"
    return "ok", f"{i.lake_dir}: {', '.join(datasets)}"


def _broker(i: _Inputs) -> tuple[Status, str]:
    if i.broker is None:
        return "skip", "no broker to check"
    account = i.broker.account()
    return "ok", f"account {account.id} answered"


def _stream(i: _Inputs) -> tuple[Status, str]:
    if i.stream is None:
        return "skip", "no market stream running"
    if not i.stream.connected:
        return "fail", f"stream disconnected: {i.stream.reason or 'no reason given'}"
    if i.stream.last_message_at is None:
        return "warn", "connected, no message yet"
    lag = (i.now - i.stream.last_message_at).total_seconds()
    limit = i.limits.max_stream_lag_seconds
    if lag > limit:
        return "fail", f"last message {lag:.1f} s ago (limit {limit:g} s)"
    return "ok", f"last message {lag:.1f} s ago, {i.stream.reconnects} reconnects"


def _clock(i: _Inputs) -> tuple[Status, str]:
    if i.reference_clock is None:
        return "skip", "no reference clock to compare with"
    drift = (datetime.now(i.now.tzinfo) - i.reference_clock()).total_seconds()
    limit = i.limits.max_clock_drift_seconds
    status: Status = "fail" if abs(drift) > limit else "ok"
    return status, f"system clock {drift:+.3f} s from the reference (limit {limit:g} s)"


def _disk(i: _Inputs) -> tuple[Status, str]:
    folder = i.home if i.home.exists() else i.home.parent
    usage = shutil.disk_usage(folder)
    free, fraction = usage.free, usage.free / usage.total
    detail = f"{free / 2**30:.1f} GiB free ({fraction:.0%}) at {folder}"
    limits = i.limits
    low = free < limits.min_free_disk_bytes or fraction < limits.min_free_disk_fraction
    return ("fail" if low else "ok"), detail


def _trading(i: _Inputs) -> tuple[Status, str]:
    if i.ledger is None or i.ledger.current() is None:
        return "skip", "no migrated ledger to read accounts from"
    with i.ledger.session(read_only=True) as session:
        rows = session.execute(sa.select(AccountRow.name, AccountRow.trading_state)).all()
    if not rows:
        return "skip", "no trading accounts"
    states = ", ".join(f"{name} {state.value}" for name, state in rows)
    stopped = any(state != TradingState.ACTIVE for _, state in rows)
    return ("warn" if stopped else "ok"), states


_CHECKS: dict[str, Callable[[_Inputs], tuple[Status, str]]] = {
    "ledger": _ledger,
    "lake": _lake,
    "broker": _broker,
    "stream_lag": _stream,
    "clock_drift": _clock,
    "disk_space": _disk,
    "trading_state": _trading,
}
