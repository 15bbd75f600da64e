"""Sealing broker keys: round trip, refusal of a wrong or altered value, rotation."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.core.errors import ConfigError, DataError
from workbench.core.sealing import Sealer, key_fingerprint, new_sealing_key, sealer_for

pytestmark = pytest.mark.requirement("SEC-09")

SECRET = "sk-live-0123456789abcdef"


def test_a_sealed_value_opens_to_what_was_sealed_and_does_not_contain_it() -> None:
    sealer = Sealer(new_sealing_key())
    sealed = sealer.seal(SECRET)
    assert SECRET not in sealed
    assert sealer.seal(SECRET) != sealed  # a fresh IV each time: equal secrets look different
    assert sealer.open(sealed) == SECRET


def test_another_key_or_an_altered_value_is_refused_with_a_clear_error() -> None:
    sealed = Sealer(new_sealing_key()).seal(SECRET)
    with pytest.raises(DataError, match=r"the stored alpaca keys cannot be opened.*PREVIOUS_KEYS"):
        Sealer(new_sealing_key()).open(sealed, what="the stored alpaca keys")
    sealer = Sealer(new_sealing_key())
    token = sealer.seal(SECRET)
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(DataError, match="altered"):
        sealer.open(altered)


def test_a_malformed_key_names_the_setting_and_how_to_make_one() -> None:
    with pytest.raises(ConfigError, match=r"WB_SECRETS__KEY is not a sealing key.*new-key"):
        Sealer("not-a-key")
    with pytest.raises(ConfigError, match="WB_SECRETS__PREVIOUS_KEYS"):
        Sealer(new_sealing_key(), ["short"])


def test_rotation_opens_old_values_and_reseals_them_under_the_new_key_alone() -> None:
    old, new = new_sealing_key(), new_sealing_key()
    sealed_before = Sealer(old).seal(SECRET)
    rotating = Sealer(new, [old])
    assert rotating.open(sealed_before) == SECRET
    resealed = rotating.reseal(sealed_before)
    assert Sealer(new).open(resealed) == SECRET
    with pytest.raises(DataError):
        Sealer(old).open(resealed)
    assert rotating.fingerprint == key_fingerprint(new) != key_fingerprint(old)
    assert rotating.known_fingerprints == {key_fingerprint(new), key_fingerprint(old)}


def test_development_keeps_a_generated_key_private_and_production_refuses_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("WB_") and not name.startswith("WB_TEST_"):
            monkeypatch.delenv(name)
    development = load_settings(home=tmp_path)
    first = sealer_for(development)
    kept = tmp_path / "secrets" / "sealing"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert sealer_for(development).open(first.seal(SECRET)) == SECRET  # the same key again
    with pytest.raises(ConfigError, match=r"production neither stores nor reads.*WB_SECRETS__KEY"):
        sealer_for(load_settings(home=tmp_path, env="production"))
    chosen = new_sealing_key()
    monkeypatch.setenv("WB_SECRETS__KEY", chosen)
    assert sealer_for(load_settings(home=tmp_path, env="production")).fingerprint == (
        key_fingerprint(chosen)
    )
