"""Risk limits in settings: defaults, the YAML of each environment, the environment's
overrides, and per-strategy overrides checked when settings load."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from workbench.core.config import RiskLimits, RiskSettings, load_settings
from workbench.core.errors import ConfigError

pytestmark = pytest.mark.requirement("RSK-01")

PROJECT_CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "config"


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("WB_CONFIG_DIR", str(folder))
    return folder


def test_defaults_are_on(config_dir: Path) -> None:
    limits = load_settings().risk.limits
    assert limits == RiskLimits()
    assert limits.max_order_notional == Decimal(1_000_000)
    assert (limits.max_position_weight, limits.max_leverage, limits.price_band) == (1.0, 2.0, 0.1)
    assert limits.max_orders_per_minute == 600
    assert (limits.check_buying_power, limits.allow_short, limits.market_hours) == (
        True,
        False,
        "regular",
    )
    assert limits.max_position_notional is None and limits.daily_loss_limit is None


@pytest.mark.parametrize("env", ["development", "staging", "production"])
def test_each_shipped_environment_has_a_risk_section(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_CONFIG_DIR", str(PROJECT_CONFIG))
    monkeypatch.setenv("WB_ENV", env)
    settings = load_settings()
    limits = settings.risk.limits
    assert limits != RiskLimits(), f"{env}.yaml sets its own risk limits"
    assert limits.daily_loss_limit is not None
    assert limits.max_order_notional is not None and limits.price_band is not None
    assert settings.risk.for_strategy("sma_crossover") == limits


def test_production_is_the_strictest_and_development_the_most_permissive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WB_CONFIG_DIR", str(PROJECT_CONFIG))
    limits = {}
    for env in ("development", "staging", "production"):
        monkeypatch.setenv("WB_ENV", env)
        limits[env] = load_settings().risk.limits
    dev, staging, prod = limits["development"], limits["staging"], limits["production"]
    for name in ("max_order_notional", "max_orders_per_minute", "price_band", "max_leverage"):
        assert getattr(dev, name) >= getattr(staging, name) >= getattr(prod, name), name
    assert prod.allow_short is False and prod.market_hours == "regular"
    assert dev.market_hours == "any", "the paper clock stands before the open bell"


def test_yaml_and_environment_set_limits_and_strategy_overrides(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_dir / "development.yaml").write_text(
        "risk:\n"
        "  limits:\n"
        "    max_order_notional: 25000.50\n"
        "    restricted_symbols: [gme, ' amc ', GME]\n"
        "  strategies:\n"
        "    sma_crossover: {max_order_notional: 5000, allow_short: true}\n"
    )
    monkeypatch.setenv("WB_RISK__LIMITS__MAX_LEVERAGE", "1.25")
    monkeypatch.setenv("WB_RISK__STRATEGIES__RSI_REVERSION__PRICE_BAND", "0.02")
    risk = load_settings().risk
    assert risk.limits.max_order_notional == Decimal("25000.50")
    assert risk.limits.restricted_symbols == ["GME", "AMC"]
    assert risk.limits.max_leverage == 1.25
    sma = risk.for_strategy("sma_crossover")
    assert (sma.max_order_notional, sma.allow_short) == (Decimal(5000), True)
    assert sma.max_leverage == 1.25, "fields the strategy does not name come from the base"
    assert risk.for_strategy("rsi_reversion").price_band == 0.02
    assert risk.for_strategy("buy_and_hold") == risk.limits
    assert risk.for_strategy(None) == risk.limits


@pytest.mark.parametrize(
    ("text", "symbols"),
    [("gme, amc", ["GME", "AMC"]), ('["gme", "AMC"]', ["GME", "AMC"]), ("", [])],
)
def test_restricted_symbols_from_the_environment_as_text_or_json(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, text: str, symbols: list[str]
) -> None:
    monkeypatch.setenv("WB_RISK__LIMITS__RESTRICTED_SYMBOLS", text)
    monkeypatch.setenv("WB_RISK__STRATEGIES__SMA_CROSSOVER__RESTRICTED_SYMBOLS", text)
    risk = load_settings().risk
    assert risk.limits.restricted_symbols == symbols
    assert risk.for_strategy("sma_crossover").restricted_symbols == symbols


def test_broken_json_for_restricted_symbols_is_a_config_error(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_RISK__LIMITS__RESTRICTED_SYMBOLS", '["GME"')
    with pytest.raises(ConfigError, match=r"WB_RISK__LIMITS__RESTRICTED_SYMBOLS.*not a JSON list"):
        load_settings()


def test_an_unknown_override_field_is_a_config_error_naming_it(config_dir: Path) -> None:
    (config_dir / "development.yaml").write_text(
        "risk:\n  strategies:\n    sma_crossover: {max_notional: 5000}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings()
    (problem,) = caught.value.problems
    assert problem.startswith("risk.strategies (WB_RISK__STRATEGIES)")
    assert "strategy 'sma_crossover': unknown risk limit 'max_notional'" in problem
    assert "expected one of max_order_notional" in problem


def test_a_bad_override_value_is_a_config_error_naming_strategy_and_field(
    config_dir: Path,
) -> None:
    (config_dir / "development.yaml").write_text(
        "risk:\n  strategies:\n    sma_crossover: {max_leverage: -1}\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"strategy 'sma_crossover'.*max_leverage: Input should "
        r"be greater than 0",
    ):
        load_settings()


@pytest.mark.parametrize(
    ("yaml_text", "location"),
    [
        ("risk:\n  limits:\n    max_order_notional: 0\n", "risk.limits.max_order_notional"),
        ("risk:\n  limits:\n    price_band: -0.1\n", "risk.limits.price_band"),
        ("risk:\n  limits:\n    market_hours: always\n", "risk.limits.market_hours"),
        ("risk:\n  limits:\n    max_orders_per_minute: 0\n", "risk.limits.max_orders_per_minute"),
        ("risk:\n  limits:\n    restricted_symbols: ['']\n", "risk.limits.restricted_symbols"),
        ("risk:\n  limits:\n    max_risk: 1\n", "risk.limits.max_risk"),
    ],
)
def test_bad_limits_are_config_errors_naming_the_setting(
    config_dir: Path, yaml_text: str, location: str
) -> None:
    (config_dir / "development.yaml").write_text(yaml_text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert any(problem.startswith(location) for problem in caught.value.problems)


def test_merged_replaces_only_the_fields_given_and_checks_them() -> None:
    base = RiskLimits(max_order_notional=Decimal(10_000), restricted_symbols=["GME"])
    merged = base.merged({"max_order_notional": "2500", "restricted_symbols": ["amc"]})
    assert merged.max_order_notional == Decimal(2500)
    assert merged.restricted_symbols == ["AMC"], "a list given replaces the base's list"
    assert merged.max_leverage == base.max_leverage
    assert base.merged({}) == base
    with pytest.raises(ConfigError, match=r"unknown risk limit 'leverage'"):
        base.merged({"leverage": 2})
    with pytest.raises(ConfigError, match=r"invalid risk limits: price_band"):
        base.merged({"price_band": 0})


def test_risk_settings_refuse_unknown_sections() -> None:
    with pytest.raises(ValueError, match="extra"):
        RiskSettings.model_validate({"limit": {}})


@pytest.mark.parametrize("env", ["development", "staging", "production"])
def test_each_shipped_environment_limits_an_assistants_orders(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_CONFIG_DIR", str(PROJECT_CONFIG))
    monkeypatch.setenv("WB_ENV", env)
    scope = load_settings().risk.for_actor("mcp:someone")
    assert scope is not None and scope.limits.limits_anything
    # production holds every assistant order for a trader, and not past an hour
    assert scope.limits.require_approval is (env == "production")
    assert (scope.limits.approval_ttl_minutes == 60) is (env == "production")
