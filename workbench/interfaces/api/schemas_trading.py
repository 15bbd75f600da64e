"""Request and answer models of orders, the trading state, alerts and the audit chain."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from workbench.interfaces.api.schemas import OrderPublic, StrictInput, _Public

__all__ = [
    "AlertPublic",
    "AlertRuleInput",
    "AlertRulePublic",
    "AuditPagePublic",
    "AuditRecordPublic",
    "AuditVerificationPublic",
    "HaltInput",
    "OrderInput",
    "PreviewInput",
    "RiskCheckPublic",
    "RiskDecisionPublic",
    "StateChangePublic",
    "SubmittedPublic",
    "TradingStateInput",
    "TradingStatePublic",
]

_DECIMAL = 'a positive decimal as a string or a number, e.g. "1.5"'
Amount = str | float | int


class PreviewInput(StrictInput):
    symbol: str = Field(min_length=1, max_length=32)
    side: Literal["buy", "sell"]
    qty: Amount | None = Field(default=None, description=_DECIMAL)
    notional: Amount | None = Field(default=None, description="cash amount instead of qty")
    type: Literal["market", "limit", "stop", "stop_limit"] = "market"
    limit_price: Amount | None = None
    stop_price: Amount | None = None
    time_in_force: Literal["day", "gtc", "ioc", "fok", "opg", "cls"] = "day"
    strategy: str | None = Field(
        default=None, max_length=64, description="check its risk limits too"
    )


class OrderInput(PreviewInput):
    client_order_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="idempotency key: a repeat answers the same order, already_submitted",
    )


class RiskCheckPublic(_Public):
    rule: str
    passed: bool
    message: str
    limit: str | float | None
    value: str | float | None
    excess: str | float | None


class RiskDecisionPublic(_Public):
    approved: bool
    rule: str | None = Field(description="the rule that refused, when one did")
    reason: str | None
    checks: list[RiskCheckPublic]


class SubmittedPublic(_Public):
    order: OrderPublic
    risk: RiskDecisionPublic | None = Field(description="none for a repeat")
    already_submitted: bool


class TradingStateInput(StrictInput):
    reason: str | None = Field(default=None, max_length=500, description="for the audit chain")
    only_this_account: bool = Field(default=False, description="not every account")


class HaltInput(TradingStateInput):
    cancel_open: bool = Field(default=True, description="cancel the account's open orders")


class StateChangePublic(_Public):
    account: str
    state: str
    previous: str
    actor: str
    reason: str | None
    canceled: list[OrderPublic]


class TradingStatePublic(_Public):
    account: str
    broker: str
    state: str = Field(description="active, reducing or halted")


class AlertRuleInput(StrictInput):
    name: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=40, description="see `monitor rules kinds`")
    params: dict[str, str | float | int | bool] = Field(default_factory=dict)
    scope: str | None = Field(default=None, max_length=64, description="a symbol, mostly")
    severity: Literal["info", "warning", "critical"] = "warning"
    channels: list[str] = Field(default_factory=list, max_length=10)
    cooldown_seconds: int = Field(default=0, ge=0, le=86_400 * 7)


class AlertRulePublic(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: int | None
    name: str
    kind: str
    params: dict[str, Any]
    severity: str
    scope: str | None
    channels: list[str]
    cooldown_seconds: int
    owner: str | None
    enabled: bool


class AlertPublic(_Public):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    rule_id: int | None
    rule: str | None
    severity: str
    state: str
    message: str
    scope: str | None
    details: dict[str, Any]
    raised_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    resolved_at: str | None
    resolved_by: str | None


class AuditVerificationPublic(_Public):
    ok: bool
    records: int
    first_bad_seq: int | None
    problem: str | None
    head_hash: str | None


class AuditRecordPublic(_Public):
    seq: int
    created_at: str
    kind: str
    actor: str
    payload: dict[str, Any]
    hash: str


class AuditPagePublic(_Public):
    records: list[AuditRecordPublic]
    next_before: int | None = Field(
        description="pass it as `before` for the next (older) page; none at the end"
    )
