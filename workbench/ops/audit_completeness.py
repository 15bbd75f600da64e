"""Audit completeness: the ledger's state replayed against the audit chain. Every row a person
or a process made or changed on purpose (a user, an API key, an account and its trading state,
an order, each of its events, a fill, a job, an alert rule, an acknowledged or resolved alert)
must have the audit record that says who did it, and the chain itself must verify.

What is checked is the state a table holds, so a record missing from the chain (deleted, never
written, or written for something else) is found whatever face made the change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.ledger import (
    AccountRow,
    AlertRow,
    AlertRuleRow,
    ApiKeyRow,
    AuditRecordRow,
    AuditVerification,
    FillRow,
    JobRow,
    OrderEventRow,
    OrderRow,
    UserRow,
    verify_audit_chain,
)
from workbench.model import Role, TradingState

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workbench.runtime import Runtime

__all__ = ["Completeness", "completeness"]


@dataclass(frozen=True)
class Completeness:
    """The chain's own verification, how many rows of each table were replayed, and one line
    for each row whose audit record is missing."""

    chain: AuditVerification
    checked: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "chain": self.chain.__dict__,
            "checked": self.checked,
            "missing": self.missing,
        }


class _Chain:
    """The chain's records by kind, in order, with lookups by a payload field."""

    def __init__(self, session: Session) -> None:
        query = sa.select(AuditRecordRow.kind, AuditRecordRow.payload).order_by(AuditRecordRow.seq)
        self.records = [(kind, payload or {}) for kind, payload in session.execute(query)]

    def values(self, kinds: Iterable[str], key: str) -> set[str]:
        wanted = set(kinds)
        return {str(p.get(key)) for k, p in self.records if k in wanted and key in p}

    def last(self, kinds: Iterable[str], key: str, value: str) -> tuple[str, dict[str, Any]] | None:
        wanted = set(kinds)
        found = None
        for kind, payload in self.records:
            if kind in wanted and str(payload.get(key)) == value:
                found = (kind, payload)
        return found


def completeness(rt: Runtime) -> Completeness:
    """Replay the ledger against its audit chain (read-only)."""
    with rt.ledger.session(read_only=True) as session:
        chain = _Chain(session)
        checked: dict[str, int] = {}
        missing: list[str] = []
        for table, check in _CHECKS.items():
            rows, gaps = check(session, chain)
            checked[table] = rows
            missing += gaps
        return Completeness(verify_audit_chain(session), checked, missing)


def _users(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    rows = session.scalars(sa.select(UserRow)).all()
    created = chain.values(["user.created"], "username")
    gaps = []
    for row in rows:
        if row.username not in created:
            gaps.append(f"user {row.username!r}: no user.created record")
            continue
        role = _role_from_chain(chain, row.username)
        if role != row.role:
            gaps.append(f"user {row.username!r}: role {row.role.value}, the chain says {role}")
        switched = chain.last(
            ["user.disabled", "user.enabled", "user.admin_reset"], "username", row.username
        )
        disabled = switched is not None and switched[0] == "user.disabled"
        if disabled == row.active:
            state = "active" if row.active else "disabled"
            gaps.append(f"user {row.username!r}: {state} without the record that made it so")
    return len(rows), gaps


def _role_from_chain(chain: _Chain, username: str) -> str | None:
    role = None
    for kind, payload in chain.records:
        if payload.get("username") != username:
            continue
        if kind == "user.created":
            role = payload.get("role")
        elif kind == "user.role_changed":
            role = payload.get("after")
        elif kind == "user.admin_reset":
            role = Role.ADMIN.value
    return role


def _api_keys(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    rows = session.scalars(sa.select(ApiKeyRow)).all()
    made = chain.values(["key.created", "key.rotated"], "key_id")
    revoked = chain.values(["key.revoked"], "key_id")
    gaps = [
        f"API key {r.prefix} (id {r.id}): no key.created record"
        for r in rows
        if str(r.id) not in made
    ]
    gaps += [
        f"API key {r.prefix} (id {r.id}): revoked without a key.revoked record"
        for r in rows
        if r.revoked_at is not None and str(r.id) not in revoked
    ]
    return len(rows), gaps


def _accounts(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    rows = session.scalars(sa.select(AccountRow)).all()
    opened = chain.values(["account.opened"], "account")
    gaps = [f"account {r.name!r}: no account.opened record" for r in rows if r.name not in opened]
    for row in rows:
        last = chain.last(["trading_state"], "account", row.name)
        said = TradingState.ACTIVE.value if last is None else str(last[1].get("state"))
        if said != row.trading_state.value:
            gaps.append(
                f"account {row.name!r}: trading state {row.trading_state.value}, "
                f"the chain says {said}"
            )
    return len(rows), gaps


def _orders(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    ids = session.scalars(sa.select(OrderRow.client_order_id)).all()
    intents = chain.values(["order.intent"], "client_order_id")
    return len(ids), [f"order {i!r}: no order.intent record" for i in ids if i not in intents]


def _order_events(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    query = sa.select(OrderRow.client_order_id, OrderEventRow.kind).join(
        OrderRow, OrderRow.id == OrderEventRow.order_id
    )
    held = Counter((str(order), str(kind)) for order, kind in session.execute(query))
    said = Counter(
        (str(p.get("order")), str(p.get("event"))) for k, p in chain.records if k == "order.event"
    )
    gaps = [
        f"order {order!r}: {count - said[(order, kind)]} {kind} event(s) "
        "without an order.event record"
        for (order, kind), count in sorted(held.items())
        if count > said[(order, kind)]
    ]
    return held.total(), gaps


def _fills(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    ids = session.scalars(sa.select(FillRow.broker_fill_id)).all()
    recorded = chain.values(["fill"], "fill_id")
    return len(ids), [f"fill {i!r}: no fill record" for i in ids if i not in recorded]


def _jobs(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    ids = session.scalars(sa.select(JobRow.id)).all()
    submitted = chain.values(["job.submitted"], "job_id")
    return len(ids), [f"job {i}: no job.submitted record" for i in ids if str(i) not in submitted]


def _alert_rules(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    rows = session.execute(sa.select(AlertRuleRow.id, AlertRuleRow.name)).all()
    created = chain.values(["alert_rule.created"], "id")
    return len(rows), [
        f"alert rule {name!r} (id {i}): no alert_rule.created record"
        for i, name in rows
        if str(i) not in created
    ]


def _alerts(session: Session, chain: _Chain) -> tuple[int, list[str]]:
    rows = session.scalars(
        sa.select(AlertRow).where(
            sa.or_(AlertRow.acknowledged_by.is_not(None), AlertRow.resolved_by.is_not(None))
        )
    ).all()
    acked = chain.values(["alert.acknowledged"], "alert_id")
    resolved = chain.values(["alert.resolved"], "alert_id")
    gaps = [
        f"alert {r.id}: acknowledged by {r.acknowledged_by} without an alert.acknowledged record"
        for r in rows
        if r.acknowledged_by is not None and str(r.id) not in acked
    ]
    gaps += [
        f"alert {r.id}: resolved by {r.resolved_by} without an alert.resolved record"
        for r in rows
        if r.resolved_by is not None and str(r.id) not in resolved
    ]
    return len(rows), gaps


_CHECKS: dict[str, Callable[[Session, _Chain], tuple[int, list[str]]]] = {
    "users": _users,
    "api_keys": _api_keys,
    "accounts": _accounts,
    "orders": _orders,
    "order_events": _order_events,
    "fills": _fills,
    "jobs": _jobs,
    "alert_rules": _alert_rules,
    "alerts": _alerts,
}
