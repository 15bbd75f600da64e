"""Settings precedence (defaults < YAML < environment), secrets, and validation messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.core.config import DEFAULT_JWT_SECRET, load_settings, secret_fields
from workbench.core.errors import ConfigError

pytestmark = pytest.mark.requirement("CFG-01")


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("WB_CONFIG_DIR", str(folder))
    return folder


def test_defaults_without_yaml_or_environment(config_dir: Path, wb_home: Path) -> None:
    settings = load_settings()
    assert settings.env == "development"
    assert settings.broker == "paper"
    assert settings.home == wb_home
    assert settings.ledger_dsn == f"sqlite:///{wb_home / 'ledger.db'}"
    assert settings.effective_log_format == "console"


def test_yaml_overrides_defaults_and_environment_overrides_yaml(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_dir / "development.yaml").write_text(
        "log_level: WARNING\napi:\n  port: 9000\n  replicas: 3\n"
    )
    settings = load_settings()
    assert settings.log_level == "WARNING"
    assert settings.api.port == 9000

    monkeypatch.setenv("WB_API__PORT", "9100")
    settings = load_settings()
    assert settings.api.port == 9100, "the environment wins over YAML"
    assert settings.api.replicas == 3, "YAML values the environment does not set remain"


def test_wb_env_selects_the_yaml_file(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config_dir / "development.yaml").write_text("log_level: DEBUG\n")
    (config_dir / "staging.yaml").write_text("log_level: ERROR\n")
    monkeypatch.setenv("WB_ENV", "staging")
    settings = load_settings()
    assert (settings.env, settings.log_level) == ("staging", "ERROR")


def test_production_logs_json_by_default(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_ENV", "production")
    assert load_settings().effective_log_format == "json"


@pytest.mark.requirement("SEC-05")
def test_secret_in_yaml_is_refused_with_the_variable_to_use(config_dir: Path) -> None:
    (config_dir / "development.yaml").write_text("api:\n  jwt_secret: hunter2hunter2\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "api.jwt_secret" in caught.value.message
    assert "WB_API__JWT_SECRET" in caught.value.message
    assert "hunter2" not in caught.value.message


def test_secret_from_environment_is_a_secretstr(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_ALPACA__API_KEY", "key-123456")
    settings = load_settings()
    assert settings.alpaca.api_key is not None
    assert settings.alpaca.api_key.get_secret_value() == "key-123456"
    assert "key-123456" not in repr(settings)
    assert "key-123456" not in str(settings.model_dump())


@pytest.mark.requirement("SEC-05")
def test_secret_from_a_file_named_by_the_environment(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "jwt"
    secret_file.write_text("s" * 40 + "\n")
    monkeypatch.setenv("WB_API__JWT_SECRET_FILE", str(secret_file))
    assert load_settings().api.jwt_secret.get_secret_value() == "s" * 40


def test_unreadable_secret_file_names_the_variable(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_API__JWT_SECRET_FILE", "/nonexistent/jwt")
    with pytest.raises(ConfigError, match=r"WB_API__JWT_SECRET_FILE"):
        load_settings()


def test_schema_errors_are_listed_one_per_problem(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_API__PORT", "not-a-port")
    monkeypatch.setenv("WB_BROKER", "robinhood")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    problems = caught.value.problems
    assert len(problems) == 2
    assert any(p.startswith("api.port (WB_API__PORT)") for p in problems)
    assert any(p.startswith("broker (WB_BROKER)") and "robinhood" in p for p in problems)


def test_unknown_environment_is_refused(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_ENV", "prod")
    with pytest.raises(ConfigError, match=r"unknown environment .prod."):
        load_settings()


def test_invalid_yaml_names_the_file(config_dir: Path) -> None:
    (config_dir / "development.yaml").write_text("api: [unclosed\n")
    with pytest.raises(ConfigError, match=r"development\.yaml: not valid YAML"):
        load_settings()


def test_every_secret_field_is_known() -> None:
    assert set(secret_fields()) == {
        "ledger_url",
        "redis_url",
        "alpaca.api_key",
        "alpaca.secret_key",
        "api.jwt_secret",
        "mcp.api_key",
        "secrets.key",
        "secrets.previous_keys",
    }


def test_shipped_yaml_files_validate_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/config/*.yaml of the project itself: each loads and none carries a secret."""
    for env in ("development", "staging", "production"):
        monkeypatch.setenv("WB_ENV", env)
        settings = load_settings()
        assert settings.env == env
        assert settings.api.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET


def test_the_lake_is_in_the_home_unless_a_folder_or_an_s3_url_is_given(
    config_dir: Path, wb_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().lake_location == wb_home / "lake"
    monkeypatch.setenv("WB_DATA__LAKE_URL", "s3://market-data/lake")
    assert load_settings().lake_location == "s3://market-data/lake"
    monkeypatch.setenv("WB_DATA__LAKE_URL", str(wb_home / "elsewhere"))
    assert load_settings().lake_location == wb_home / "elsewhere"
    for wrong in ("gs://market-data/lake", "s3:///lake"):
        monkeypatch.setenv("WB_DATA__LAKE_URL", wrong)
        with pytest.raises(ConfigError, match=re.escape(wrong)):
            load_settings()


def test_a_job_lease_shorter_than_three_heartbeats_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WB_JOBS__HEARTBEAT_SECONDS", "10")
    monkeypatch.setenv("WB_JOBS__LEASE_SECONDS", "20")
    with pytest.raises(ConfigError, match=r"jobs.lease_seconds \(20\) must be at least three"):
        load_settings()
    monkeypatch.setenv("WB_JOBS__LEASE_SECONDS", "30")
    assert load_settings().jobs.lease_seconds == 30
