"""Monitoring's state in the ledger: rules (``AlertRuleRow``), alerts with their state
(``AlertRow``) and each alert's deliveries (``NotificationRow``), queued and retried.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from workbench.core.errors import NotFound, ValidationError
from workbench.ledger import AlertRow, AlertRuleRow, Ledger, NotificationRow, append_audit, row_id
from workbench.model import Alert, AlertSeverity, AlertState
from workbench.monitoring.rules import RuleSpec

__all__ = ["AlertRecord", "AlertRequest", "DeliveryJob", "DeliveryRecord", "MonitorStore"]


@dataclass(frozen=True)
class DeliveryRecord:
    channel: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class AlertRecord:
    id: int
    rule_id: int | None
    rule: str | None
    severity: AlertSeverity
    state: AlertState
    message: str
    scope: str | None
    details: dict[str, Any]
    dedup_key: str | None
    raised_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    deliveries: list[DeliveryRecord] = field(default_factory=list)

    def to_alert(self) -> Alert:
        return Alert(
            self.rule_id,
            self.severity,
            self.message,
            self.raised_at,
            self.state,
            self.scope,
            {**self.details, "alert_id": self.id, "rule": self.rule},
        )


@dataclass(frozen=True)
class AlertRequest:
    """An alert the engine wants raised: ``raised_at`` is the data's time, ``queued_at`` the
    clock's (when its deliveries fall due)."""

    rule: RuleSpec
    message: str
    dedup_key: str
    raised_at: datetime
    details: dict[str, Any]
    scope: str | None
    queued_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryJob:
    """One due delivery, claimed by a dispatcher: everything a channel needs to send it."""

    id: int
    channel: str
    attempts: int
    alert: AlertRecord


def _spec(row: AlertRuleRow) -> RuleSpec:
    return RuleSpec(
        name=row.name,
        kind=row.kind,
        params=dict(row.params),
        severity=row.severity,
        scope=row.scope,
        channels=tuple(row.channels),
        cooldown_seconds=row.cooldown_seconds,
        owner=row.created_by,
        enabled=row.enabled,
        id=row.id,
    )


def _record(row: AlertRow, rule: str | None) -> AlertRecord:
    deliveries = [
        DeliveryRecord(
            n.channel, n.status, n.attempts, n.last_error, n.next_attempt_at, n.delivered_at
        )
        for n in row.notifications
    ]
    return AlertRecord(
        id=row.id,
        rule_id=row.rule_id,
        rule=rule,
        severity=row.severity,
        state=row.state,
        message=row.message,
        scope=row.scope,
        details=dict(row.details),
        dedup_key=row.dedup_key,
        raised_at=row.raised_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        deliveries=deliveries,
    )


class MonitorStore:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- rules -------------------------------------------------------------------------------
    def add_rule(self, spec: RuleSpec, *, actor: str | None = None) -> RuleSpec:
        """Store a new rule; with ``actor``, in the audit chain in the same transaction."""
        row = AlertRuleRow(
            name=spec.name,
            kind=spec.kind,
            params=spec.params,
            severity=spec.severity,
            scope=spec.scope,
            channels=list(spec.channels),
            cooldown_seconds=spec.cooldown_seconds,
            enabled=spec.enabled,
            created_by=spec.owner,
        )
        try:
            with self.ledger.session() as session:
                session.add(row)
                session.flush()
                stored = _spec(row)
                if actor is not None:
                    _audit(session, "alert_rule.created", actor, stored.to_dict())
                return stored
        except IntegrityError:
            raise ValidationError(f"a rule named {spec.name!r} already exists") from None

    def rules(self, *, enabled_only: bool = False) -> list[RuleSpec]:
        query = sa.select(AlertRuleRow).order_by(AlertRuleRow.id)
        if enabled_only:
            query = query.where(AlertRuleRow.enabled.is_(True))
        with self.ledger.session(read_only=True) as session:
            return [_spec(row) for row in session.scalars(query)]

    def rules_version(self) -> tuple[int, int, str]:
        """Changes whenever a rule is added, changed or removed (count, last id, last change)."""
        with self.ledger.session(read_only=True) as session:
            count, last_id, changed = session.execute(
                sa.select(
                    sa.func.count(AlertRuleRow.id),
                    sa.func.max(AlertRuleRow.id),
                    sa.func.max(AlertRuleRow.updated_at),
                )
            ).one()
        return int(count or 0), int(last_id or 0), str(changed)

    def rule(self, name_or_id: str | int) -> RuleSpec:
        with self.ledger.session(read_only=True) as session:
            return _spec(self._rule_row(session, name_or_id))

    def remove_rule(self, name_or_id: str | int, *, actor: str | None = None) -> RuleSpec:
        """Delete a rule; its alerts stay, no longer linked to it. With ``actor``, in the audit
        chain in the same transaction."""
        with self.ledger.session() as session:
            row = self._rule_row(session, name_or_id)
            removed = _spec(row)
            if actor is not None:
                _audit(session, "alert_rule.removed", actor, {"id": row.id, "name": row.name})
            session.execute(
                sa.update(AlertRow).where(AlertRow.rule_id == row.id).values(rule_id=None)
            )
            session.delete(row)
            return removed

    @staticmethod
    def _rule_row(session: Session, name_or_id: str | int) -> AlertRuleRow:
        key = str(name_or_id)
        query = sa.select(AlertRuleRow).where(AlertRuleRow.name == key)
        if (number := row_id(key)) is not None:
            query = sa.select(AlertRuleRow).where(
                sa.or_(AlertRuleRow.name == key, AlertRuleRow.id == number)
            )
        row = session.scalars(query).first()
        if row is None:
            raise NotFound(f"no alert rule named {key!r} (`workbench monitor rules list`)")
        return row

    # -- alerts ------------------------------------------------------------------------------
    def raise_alerts(self, requests: Sequence[AlertRequest]) -> list[AlertRecord | None]:
        """Store each request as an open alert with one queued delivery per channel of its
        rule, all in one transaction; None (nothing stored) for a request whose ``dedup_key``
        has an alert still open or acknowledged, including one stored just before it."""
        if not requests:
            return []
        keys = {r.dedup_key for r in requests}
        results: list[AlertRecord | None] = []
        with self.ledger.session() as session:
            open_keys = set(
                session.scalars(
                    sa.select(AlertRow.dedup_key).where(
                        AlertRow.dedup_key.in_(keys), AlertRow.state != AlertState.RESOLVED
                    )
                )
            )
            for request in requests:
                if request.dedup_key in open_keys:
                    results.append(None)
                    continue
                open_keys.add(request.dedup_key)
                results.append(self._insert(session, request))
        return results

    @staticmethod
    def _insert(session: Session, request: AlertRequest) -> AlertRecord:
        rule = request.rule
        row = AlertRow(
            rule_id=rule.id,
            severity=rule.severity,
            state=AlertState.OPEN,
            message=request.message,
            scope=request.scope,
            details=request.details,
            dedup_key=request.dedup_key,
            raised_at=request.raised_at,
        )
        session.add(row)
        session.flush()
        due = request.queued_at or request.raised_at
        for channel in dict.fromkeys(rule.channels):
            session.add(
                NotificationRow(
                    alert_id=row.id,
                    channel=channel,
                    status="pending",
                    attempts=0,
                    next_attempt_at=due,
                )
            )
        deliveries = [
            DeliveryRecord(c, "pending", 0, None, due, None) for c in dict.fromkeys(rule.channels)
        ]
        return AlertRecord(
            id=row.id,
            rule_id=rule.id,
            rule=rule.name,
            severity=rule.severity,
            state=AlertState.OPEN,
            message=request.message,
            scope=request.scope,
            details=dict(request.details),
            dedup_key=request.dedup_key,
            raised_at=request.raised_at,
            deliveries=deliveries,
        )

    def open_keys(self, keys: Collection[str]) -> set[str]:
        """Which of ``keys`` have an alert still open or acknowledged."""
        with self.ledger.session(read_only=True) as session:
            return set(
                session.scalars(
                    sa.select(AlertRow.dedup_key).where(
                        AlertRow.dedup_key.in_(list(keys)), AlertRow.state != AlertState.RESOLVED
                    )
                )
            )

    def alerts(
        self, *, state: AlertState | None = None, limit: int = 100, ids: Sequence[int] = ()
    ) -> list[AlertRecord]:
        query = (
            sa.select(AlertRow, AlertRuleRow.name)
            .outerjoin(AlertRuleRow, AlertRow.rule_id == AlertRuleRow.id)
            .options(selectinload(AlertRow.notifications))
            .order_by(AlertRow.id.desc())
            .limit(limit)
        )
        if state is not None:
            query = query.where(AlertRow.state == state)
        if ids:
            query = query.where(AlertRow.id.in_(list(ids)))
        with self.ledger.session(read_only=True) as session:
            return [_record(row, name) for row, name in session.execute(query)]

    def alert(self, alert_id: int) -> AlertRecord:
        found = self.alerts(ids=[alert_id], limit=1)
        if not found:
            raise NotFound(f"no alert with id {alert_id} (`workbench monitor alerts list`)")
        return found[0]

    def acknowledge(self, alert_id: int, *, by: str | None, at: datetime) -> AlertRecord:
        return self._move(alert_id, AlertState.ACKNOWLEDGED, by, at)

    def resolve(self, alert_id: int, *, by: str | None, at: datetime) -> AlertRecord:
        return self._move(alert_id, AlertState.RESOLVED, by, at)

    def _move(self, alert_id: int, to: AlertState, by: str | None, at: datetime) -> AlertRecord:
        with self.ledger.session() as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise NotFound(f"no alert with id {alert_id} (`workbench monitor alerts list`)")
            if row.state == AlertState.RESOLVED:
                raise ValidationError(f"alert {alert_id} is already resolved")
            if to == AlertState.ACKNOWLEDGED and row.state == AlertState.ACKNOWLEDGED:
                raise ValidationError(f"alert {alert_id} is already acknowledged")
            row.state = to
            if to == AlertState.ACKNOWLEDGED:
                row.acknowledged_at, row.acknowledged_by = at, by
            else:
                row.resolved_at, row.resolved_by = at, by
            if by is not None:  # who moved it: the audit chain's actor
                kind = "alert.acknowledged" if to == AlertState.ACKNOWLEDGED else "alert.resolved"
                _audit(session, kind, by, {"alert_id": alert_id, "at": at.isoformat()})
        return self.alert(alert_id)

    # -- deliveries --------------------------------------------------------------------------
    def claim_due(self, *, now: datetime, lease: timedelta, limit: int = 100) -> list[DeliveryJob]:
        """Pending deliveries due by ``now``, claimed for ``lease`` (pushed past it) so that a
        second dispatcher does not send them too; a crashed sender's claim simply expires."""
        with self.ledger.session() as session:
            rows = session.scalars(
                sa.select(NotificationRow)
                .where(NotificationRow.status == "pending", NotificationRow.next_attempt_at <= now)
                .order_by(NotificationRow.next_attempt_at, NotificationRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                row.next_attempt_at = now + lease
            alert_ids = sorted({row.alert_id for row in rows})
            jobs = [(row.id, row.channel, row.attempts, row.alert_id) for row in rows]
        alerts = {a.id: a for a in self.alerts(ids=alert_ids, limit=max(1, len(alert_ids)))}
        return [DeliveryJob(i, channel, attempts, alerts[a]) for i, channel, attempts, a in jobs]

    def delivered(self, job_id: int, *, at: datetime) -> None:
        with self.ledger.session() as session:
            row = session.get_one(NotificationRow, job_id)
            row.status, row.attempts = "sent", row.attempts + 1
            row.last_attempt_at = row.delivered_at = at
            row.next_attempt_at = None
            row.last_error = None

    def attempt_failed(
        self, job_id: int, *, at: datetime, error: str, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: retried at ``retry_at``, or given up (failed) when None."""
        with self.ledger.session() as session:
            row = session.get_one(NotificationRow, job_id)
            row.attempts += 1
            row.last_attempt_at, row.last_error = at, error[:2000]
            row.next_attempt_at = retry_at
            row.status = "pending" if retry_at is not None else "failed"

    def delivery_counts(self) -> dict[str, int]:
        with self.ledger.session(read_only=True) as session:
            rows = session.execute(
                sa.select(NotificationRow.status, sa.func.count()).group_by(NotificationRow.status)
            ).all()
        return {status: int(count) for status, count in rows}


def _audit(session: Session, kind: str, actor: str, payload: dict[str, Any]) -> None:
    append_audit(session, kind=kind, actor=actor, payload=payload)
