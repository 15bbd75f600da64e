"""The ``api`` settings: token lifetimes, lockout and key rotation, checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.core.errors import ConfigError

pytestmark = pytest.mark.requirement("SEC-01")


def test_defaults_follow_the_issue() -> None:
    api = load_settings().api
    assert (api.access_ttl_minutes, api.refresh_ttl_days) == (15, 7)
    assert (api.lockout_threshold, api.lockout_minutes) == (5, 15)
    assert api.jwt_algorithm == "HS256"
    assert api.jwt_issuer and api.jwt_audience


def test_the_environment_sets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_API__ACCESS_TTL_MINUTES", "5")
    monkeypatch.setenv("WB_API__LOCKOUT_THRESHOLD", "3")
    monkeypatch.setenv("WB_API__KEY_ROTATION_OVERLAP_MINUTES", "0")
    api = load_settings().api
    assert (api.access_ttl_minutes, api.lockout_threshold, api.key_rotation_overlap_minutes) == (
        5,
        3,
        0,
    )


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("WB_API__ACCESS_TTL_MINUTES", "0", "api.access_ttl_minutes"),
        ("WB_API__LOCKOUT_THRESHOLD", "0", "api.lockout_threshold"),
        ("WB_API__LOCKOUT_MINUTES", "-1", "api.lockout_minutes"),
        ("WB_API__REFRESH_TTL_DAYS", "0", "api.refresh_ttl_days"),
        ("WB_API__KEY_ROTATION_OVERLAP_MINUTES", "-5", "api.key_rotation_overlap_minutes"),
        ("WB_API__JWT_ALGORITHM", "none", "api.jwt_algorithm"),
        ("WB_API__JWT_AUDIENCE", "", "api.jwt_audience"),
    ],
)
def test_bad_values_are_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert named in caught.value.message


def test_a_refresh_token_must_outlive_the_access_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_API__ACCESS_TTL_MINUTES", "1440")
    monkeypatch.setenv("WB_API__REFRESH_TTL_DAYS", "0.5")
    with pytest.raises(ConfigError, match="refresh_ttl_days must be longer"):
        load_settings()


def test_production_wants_a_secret_as_long_as_the_algorithms_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from workbench.ops.config import validate

    empty = tmp_path / "no-config"
    empty.mkdir()
    monkeypatch.setenv("WB_CONFIG_DIR", str(empty))
    monkeypatch.setenv("WB_API__JWT_SECRET", "x" * 48)
    assert validate("production").ok
    monkeypatch.setenv("WB_API__JWT_ALGORITHM", "HS512")
    assert any("at least 64 characters" in p for p in validate("production").problems)
