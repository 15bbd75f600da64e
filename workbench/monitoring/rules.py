"""Alert rules: what each kind watches, the parameters it takes, and checking a rule before it
is stored. A rule that names an unknown symbol, indicator, channel or parameter is refused with
a message that says which and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.core.errors import NotFound, ValidationError
from workbench.model import AlertSeverity
from workbench.monitoring.indicators import INCREMENTAL_INDICATORS

__all__ = ["RULE_KINDS", "RuleKind", "RuleSpec", "check_rule"]

_NUMBER = (int, float)


@dataclass(frozen=True)
class RuleKind:
    name: str
    summary: str
    #: parameter -> (required, default); every value is a number unless listed in ``texts``
    params: Mapping[str, tuple[bool, Any]]
    #: what the scope names: symbol (required), account, source, or anything it may match
    scope: str
    texts: frozenset[str] = frozenset()


def _kind(
    name: str, summary: str, scope: str, texts: Collection[str] = (), **params: Any
) -> RuleKind:
    spec = {key: (value is ..., None if value is ... else value) for key, value in params.items()}
    return RuleKind(name, summary, spec, scope, frozenset(texts))


RULE_KINDS: dict[str, RuleKind] = {
    k.name: k
    for k in (
        _kind("price_above", "the mid price rises above level", "symbol", level=...),
        _kind("price_below", "the mid price falls below level", "symbol", level=...),
        _kind("price_cross", "the mid price crosses level either way", "symbol", level=...),
        _kind(
            "percent_move",
            "the mid moves by percent or more within window_seconds",
            "symbol",
            percent=...,
            window_seconds=...,
        ),
        _kind(
            "indicator",
            "an indicator on bar closes passes a value (op is > or <), e.g. RSI(14) > 70",
            "symbol",
            texts=("indicator", "op"),
            indicator=...,
            op=...,
            value=...,
            timeperiod=None,
        ),
        _kind(
            "drawdown",
            "equity falls max_drawdown (a fraction) below its peak",
            "account",
            max_drawdown=...,
        ),
        _kind(
            "daily_loss",
            "today's P&L loses max_loss or more (account currency)",
            "account",
            max_loss=...,
        ),
        _kind(
            "weight_drift",
            "a position's weight leaves its target by more than band (rebalance due)",
            "account",
            texts=("targets",),
            targets=...,
            band=...,
        ),
        _kind(
            "exposure_limit",
            "gross exposure uses utilisation (a fraction) of limit or more",
            "account",
            limit=...,
            utilisation=0.9,
        ),
        _kind(
            "var_limit",
            "one-day historical VaR of the book uses utilisation of limit or more",
            "account",
            limit=...,
            utilisation=0.9,
        ),
        _kind(
            "stale_data",
            "no quote for max_age_seconds while the market is open",
            "symbol_or_all",
            max_age_seconds=...,
        ),
        _kind("disconnected", "a market stream or the broker drops its connection", "source"),
        _kind("order_rejected", "an order ends rejected (risk gate or broker)", "any"),
        _kind("reconciliation_mismatch", "reconciliation finds a difference", "account"),
    )
}


@dataclass(frozen=True)
class RuleSpec:
    """One rule as stored (``AlertRuleRow``): ``owner`` is who created it."""

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: AlertSeverity = AlertSeverity.WARNING
    scope: str | None = None
    channels: tuple[str, ...] = ()
    cooldown_seconds: int = 0
    owner: str | None = None
    enabled: bool = True
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "params": self.params,
            "severity": self.severity.value,
            "scope": self.scope,
            "channels": list(self.channels),
            "cooldown_seconds": self.cooldown_seconds,
            "owner": self.owner,
            "enabled": self.enabled,
        }


def check_rule(
    spec: RuleSpec, *, symbols: Collection[str] | None, channels: Collection[str]
) -> RuleSpec:
    """``spec`` with defaults filled in, or a ValidationError / NotFound naming the problem.
    ``symbols`` is the universe a symbol scope must come from (None: not checked)."""
    name = spec.name.strip()
    if not name or len(name) > 64:
        raise ValidationError(f"a rule name needs 1 to 64 characters, got {spec.name!r}")
    kind = RULE_KINDS.get(spec.kind)
    if kind is None:
        raise ValidationError(
            f"unknown rule kind {spec.kind!r}; valid kinds: {', '.join(RULE_KINDS)}"
        )
    if spec.cooldown_seconds < 0:
        raise ValidationError(f"cooldown must be 0 or more seconds, got {spec.cooldown_seconds}")
    _check_scope(kind, spec.scope, symbols)
    _check_channels(spec.channels, channels)
    params = _check_params(kind, spec.params)
    if kind.name == "weight_drift" and symbols is not None:
        _check_symbols(list(params["targets"]), symbols)
    return replace(spec, name=name, params=params, severity=AlertSeverity(spec.severity))


def _check_scope(kind: RuleKind, scope: str | None, symbols: Collection[str] | None) -> None:
    if kind.scope == "symbol" and not scope:
        raise ValidationError(f"a {kind.name} rule watches one symbol: give it as the scope")
    if kind.scope in {"symbol", "symbol_or_all"} and scope and symbols is not None:
        _check_symbols([scope], symbols)


def _check_symbols(wanted: list[str], symbols: Collection[str]) -> None:
    unknown = [s for s in wanted if s not in symbols]
    if unknown:
        raise NotFound(
            f"unknown symbol(s) {', '.join(unknown)}: not in the lake's bars_1d "
            f"({len(symbols)} symbols; `workbench data list` shows them)",
            unknown=unknown,
        )


def _check_channels(wanted: tuple[str, ...], channels: Collection[str]) -> None:
    unknown = [c for c in wanted if c not in channels]
    if unknown:
        raise NotFound(
            f"unknown channel(s) {', '.join(unknown)}; configured channels: "
            f"{', '.join(sorted(channels)) or '(none)'}",
            unknown=unknown,
        )


def _check_params(kind: RuleKind, given: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(kind.params))
    if unknown:
        allowed = ", ".join(kind.params) or "none"
        raise ValidationError(
            f"{kind.name} takes no parameter {', '.join(unknown)}; its parameters: {allowed}"
        )
    params: dict[str, Any] = {}
    for key, (required, default) in kind.params.items():
        if key not in given:
            if required:
                raise ValidationError(f"a {kind.name} rule needs the parameter {key}")
            if default is not None:
                params[key] = default
            continue
        value = given[key]
        if key not in kind.texts:
            value = _positive_number(kind.name, key, value)
        params[key] = value
    if kind.name == "indicator":
        _check_indicator(params)
    if kind.name == "weight_drift":
        params["targets"] = _check_targets(params["targets"])
    if kind.name in {"drawdown", "exposure_limit", "var_limit"}:
        for key in ("max_drawdown", "utilisation"):
            if key in params and params[key] > 1:
                raise ValidationError(f"{kind.name} {key} is a fraction (0..1], got {params[key]}")
    return params


def _positive_number(kind: str, key: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValidationError(f"{kind} {key} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, _NUMBER) or not math.isfinite(value):
        raise ValidationError(f"{kind} {key} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValidationError(f"{kind} {key} must be above 0, got {value}")
    return float(value)


def _check_indicator(params: dict[str, Any]) -> None:
    indicator = str(params["indicator"]).upper()
    if indicator not in INCREMENTAL_INDICATORS:
        raise NotFound(
            f"unknown indicator {params['indicator']!r} for an alert rule; rules evaluate "
            f"{', '.join(INCREMENTAL_INDICATORS)}",
            unknown=[params["indicator"]],
        )
    params["indicator"] = indicator
    if params["op"] not in {">", "<"}:
        raise ValidationError(f"indicator op must be > or <, got {params['op']!r}")
    if "timeperiod" in params:
        period = params["timeperiod"]
        if period != int(period) or period < 2:
            raise ValidationError(f"indicator timeperiod must be a whole number >= 2, got {period}")
        params["timeperiod"] = int(period)


def _check_targets(targets: Any) -> dict[str, float]:
    if not isinstance(targets, Mapping) or not targets:
        raise ValidationError("weight_drift targets must map symbols to weights, e.g. AAPL=0.5")
    checked = {}
    for symbol, weight in targets.items():
        number = _positive_number("weight_drift", f"target of {symbol}", weight)
        if number > 1:
            raise ValidationError(f"weight_drift target of {symbol} is above 1: {number}")
        checked[str(symbol)] = number
    return checked
