"""Backtest settings are checked when built and survive a round trip through a dict."""

from __future__ import annotations

import pytest

from workbench.core.errors import ValidationError
from workbench.strategy import BacktestConfig, Sizing


def test_defaults_trade_at_the_next_open_long_only() -> None:
    config = BacktestConfig()
    assert (config.execution, config.lag, config.direction) == ("next_open", 1, "long")
    assert config.sizing == Sizing("percent", None)
    assert not config.has_stops
    assert BacktestConfig(execution="close").lag == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"initial_cash": 0}, "initial_cash must be positive"),
        ({"fees": -0.001}, r"fees must be a number in \[0, 1\)"),
        ({"slippage": 1.5}, "slippage must be a number"),
        ({"fee_per_share": float("inf")}, "fee_per_share must be a number 0 or more"),
        ({"stop_loss": 1.2}, r"stop_loss must be in \(0, 1\)"),
        ({"trailing_stop": 0}, "trailing_stop must be in"),
        ({"take_profit": -1}, "take_profit must be positive"),
        ({"execution": "open"}, "execution must be next_open or close"),
        ({"direction": "sideways"}, "direction must be long, short or both"),
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BacktestConfig(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sizing", "message"),
    [
        ({"method": "kelly"}, "sizing must be one of percent, value, shares, vol_target"),
        ({"method": "shares"}, "shares sizing needs a size"),
        ({"size": -1.0}, "sizing size must be a positive number"),
        ({"method": "vol_target", "vol_window": 1}, "vol_window must be at least 2"),
        ({"method": "vol_target", "target_vol": 0.0}, "target_vol must be positive"),
    ],
)
def test_bad_sizing(sizing: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Sizing(**sizing)  # type: ignore[arg-type]


def test_round_trip_through_a_dict() -> None:
    config = BacktestConfig(
        initial_cash=5e4,
        fees=0.001,
        fee_per_share=0.005,
        sizing=Sizing("vol_target", target_vol=0.1),
        stop_loss=0.05,
        direction="both",
        benchmark=None,
    )
    assert BacktestConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValidationError, match="unknown backtest setting"):
        BacktestConfig.from_dict({"leverage": 3})
