"""``ops.config.validate``: every problem of an environment listed, one per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.ops.config import MASK, masked_settings, validate

pytestmark = pytest.mark.requirement("CFG-02")


@pytest.fixture(autouse=True)
def _no_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-config"
    empty.mkdir()
    monkeypatch.setenv("WB_CONFIG_DIR", str(empty))


def test_development_defaults_are_valid() -> None:
    result = validate()
    assert result.ok, result.problems
    assert result.env == "development"
    assert {"home", "ledger", "redis", "broker", "production_rules"} <= set(result.checked)


def test_production_refuses_insecure_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_API__REPLICAS", "3")
    monkeypatch.setenv("WB_DEBUG", "true")
    result = validate("production")
    assert not result.ok
    text = "\n".join(result.problems)
    assert "api.jwt_secret: the default development secret is refused" in text
    assert "SQLite cannot serve 3 API replicas" in text
    assert "debug: must be off in production" in text
    assert len(result.problems) == 3


def test_production_with_a_strong_secret_and_one_replica_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WB_API__JWT_SECRET", "x" * 48)
    assert validate("production").ok


def test_short_production_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_API__JWT_SECRET", "short")
    assert any("at least 32 characters" in p for p in validate("production").problems)


def test_unwritable_home_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("WB_HOME", str(blocker / "home"))
    problems = validate().problems
    assert any(p.startswith("home:") and "not writable" in p for p in problems)


def test_unreachable_ledger_is_reported_with_the_password_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WB_LEDGER_URL", "postgresql+psycopg://wb:s3cret@127.0.0.1:1/wb")
    problems = validate().problems
    ledger = [p for p in problems if p.startswith("ledger:")]
    assert ledger and "cannot connect" in ledger[0]
    assert "s3cret" not in "\n".join(problems)


def test_unreachable_redis_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_REDIS_URL", "redis://127.0.0.1:1/0")
    assert any(p.startswith("redis: cannot reach") for p in validate().problems)


def test_alpaca_broker_without_keys_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_BROKER", "alpaca")
    assert (
        "broker: alpaca needs WB_ALPACA__API_KEY and WB_ALPACA__SECRET_KEY" in validate().problems
    )


def test_unknown_broker_is_a_schema_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_BROKER", "ib")
    problems = validate().problems
    assert len(problems) == 1 and problems[0].startswith("broker (WB_BROKER)")


def test_validate_leaves_wb_env_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_ENV", "staging")
    validate("production")
    import os

    assert os.environ["WB_ENV"] == "staging"


def test_masked_settings_hide_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_ALPACA__API_KEY", "AKTESTKEY")
    monkeypatch.setenv("WB_ALPACA__SECRET_KEY", "SECRETVALUE")
    monkeypatch.setenv("WB_LEDGER_URL", "postgresql+psycopg://wb:pw-123@db:5432/wb")
    shown = masked_settings(load_settings())
    text = repr(shown)
    assert "AKTESTKEY" not in text and "SECRETVALUE" not in text and "pw-123" not in text
    assert shown["alpaca"]["api_key"] == MASK
    assert shown["api"]["jwt_secret"] == MASK
    assert shown["redis_url"] is None
    assert shown["ledger_url"].startswith("postgresql+psycopg://wb:***@db")
