"""Bad rules are refused with a message that names the problem and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.core.errors import NotFound, ValidationError
from workbench.monitoring import RULE_KINDS, RuleSpec, check_rule

pytestmark = pytest.mark.requirement("MON-02")

SYMBOLS = {"AAPL", "MSFT"}
CHANNELS = {"log", "email"}


def check(kind: str, params: dict[str, Any], **fields: Any) -> RuleSpec:
    spec = RuleSpec(fields.pop("name", "r"), kind, params, **fields)
    return check_rule(spec, symbols=SYMBOLS, channels=CHANNELS)


@pytest.mark.parametrize(
    ("kind", "params", "fields", "error", "words"),
    [
        ("price_above", {"level": 1}, {"scope": "NOPE"}, NotFound, "unknown symbol(s) NOPE"),
        (
            "price_above",
            {"level": 1},
            {"scope": "AAPL", "channels": ("pager",)},
            NotFound,
            "unknown channel(s) pager; configured channels: email, log",
        ),
        (
            "indicator",
            {"indicator": "MACD", "op": ">", "value": 1},
            {"scope": "AAPL"},
            NotFound,
            "unknown indicator 'MACD' for an alert rule; rules evaluate EMA, RSI, SMA",
        ),
        (
            "indicator",
            {"indicator": "RSI", "op": ">=", "value": 70},
            {"scope": "AAPL"},
            ValidationError,
            "op must be > or <",
        ),
        ("price_jump", {}, {}, ValidationError, "unknown rule kind 'price_jump'; valid kinds"),
        ("price_above", {"level": 1}, {}, ValidationError, "watches one symbol"),
        ("price_above", {}, {"scope": "AAPL"}, ValidationError, "needs the parameter level"),
        (
            "price_above",
            {"level": 1, "lvl": 2},
            {"scope": "AAPL"},
            ValidationError,
            "takes no parameter lvl; its parameters: level",
        ),
        (
            "price_above",
            {"level": "high"},
            {"scope": "AAPL"},
            ValidationError,
            "level must be a number, got 'high'",
        ),
        ("price_below", {"level": -3}, {"scope": "AAPL"}, ValidationError, "above 0, got -3"),
        ("drawdown", {"max_drawdown": 15}, {}, ValidationError, "is a fraction"),
        (
            "weight_drift",
            {"targets": {"AAPL": 0.5, "ZZZ": 0.5}, "band": 0.05},
            {},
            NotFound,
            "unknown symbol(s) ZZZ",
        ),
        (
            "price_above",
            {"level": 1},
            {"scope": "AAPL", "cooldown_seconds": -1},
            ValidationError,
            "cooldown must be 0 or more",
        ),
        (
            "price_above",
            {"level": 1},
            {"scope": "AAPL", "name": " "},
            ValidationError,
            "a rule name needs 1 to 64 characters",
        ),
    ],
)
def test_bad_rules_are_refused(
    kind: str, params: dict[str, Any], fields: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as refused:
        check(kind, params, **fields)
    assert words in str(refused.value)


def test_a_good_rule_gets_its_defaults_and_numbers() -> None:
    rule = check("exposure_limit", {"limit": "250000"})
    assert rule.params == {"limit": 250_000.0, "utilisation": 0.9}
    rsi = check(
        "indicator",
        {"indicator": "rsi", "op": ">", "value": "70", "timeperiod": "14"},
        scope="AAPL",
    )
    assert rsi.params == {"indicator": "RSI", "op": ">", "value": 70.0, "timeperiod": 14}
    assert check("stale_data", {"max_age_seconds": 30}).scope is None
    assert set(RULE_KINDS) >= {"price_cross", "percent_move", "var_limit", "order_rejected"}
