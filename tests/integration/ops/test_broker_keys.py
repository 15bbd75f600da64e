"""Broker keys sealed in the ledger (SQLite and PostgreSQL): never stored or audited in the
clear, opened by the runtime to reach the venue, resealed after a rotation, deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.exchange.conftest import Venue, sample_lake, start_venue
from workbench.core.config import load_settings
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.core.sealing import key_fingerprint, new_sealing_key
from workbench.ops import audit, broker_keys
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-09", "SEC-05")

__all__ = ["sample_lake", "start_venue"]

KEY_ID, SECRET = "PKSTORED0042", "stored-secret-9f8e7d6c5b4a"
ACTOR = "cli:operator"


@pytest.fixture
def open_runtime(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Runtime]]:
    """Runtimes over the test's ledger, each with the sealing key(s) and settings given."""
    for name in ("WB_ALPACA__API_KEY", "WB_ALPACA__SECRET_KEY", "WB_SECRETS__KEY"):
        monkeypatch.delenv(name, raising=False)
    opened: list[Runtime] = []

    def make(key: str, previous: str | None = None, **settings: object) -> Runtime:
        secrets = {"key": key, "previous_keys": previous}
        runtime = Runtime.from_settings(
            load_settings(
                home=tmp_path / "home", ledger_url=ledger_url, secrets=secrets, **settings
            )
        )
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()


def _raw_text(runtime: Runtime) -> str:
    with runtime.ledger.session(read_only=True) as session:
        rows = session.execute(sa.text("SELECT * FROM broker_credentials")).all()
        records = session.execute(sa.text("SELECT * FROM audit_records")).all()
    return repr(rows) + repr(records)


def test_keys_are_stored_and_audited_only_sealed_and_listed_by_hint(
    open_runtime: Callable[..., Runtime],
) -> None:
    key = new_sealing_key()
    runtime = open_runtime(key)
    stored = broker_keys.store(runtime, " Alpaca ", api_key=KEY_ID, secret_key=SECRET, actor=ACTOR)
    assert (stored.venue, stored.hint, stored.current) == ("alpaca", "0042", True)
    assert stored.sealed_with == key_fingerprint(key)
    raw = _raw_text(runtime)
    assert KEY_ID not in raw and SECRET not in raw and "broker_keys.stored" in raw
    assert [s.venue for s in broker_keys.list_stored(runtime)] == ["alpaca"]
    assert audit.verify(runtime).ok

    with pytest.raises(ValidationError, match="'paper' takes no keys: keys are kept for alpaca"):
        broker_keys.store(runtime, "paper", api_key=KEY_ID, secret_key=SECRET, actor=ACTOR)
    with pytest.raises(ValidationError, match="needs both a key id and a secret key"):
        broker_keys.store(runtime, "alpaca", api_key=KEY_ID, secret_key="  ", actor=ACTOR)


def test_the_runtime_reaches_the_venue_with_the_stored_keys_and_environment_keys_win(
    open_runtime: Callable[..., Runtime], start_venue: Callable[..., Venue]
) -> None:
    exchange = start_venue(api_keys={KEY_ID: SECRET})  # refuses any other key
    key = new_sealing_key()
    alpaca = {"url": exchange.url, "data_url": exchange.url}
    broker_keys.store(open_runtime(key), "alpaca", api_key=KEY_ID, secret_key=SECRET, actor=ACTOR)

    trading = open_runtime(key, broker="alpaca", alpaca=alpaca)
    assert trading.broker.account().cash > 0  # authenticated with the keys from the ledger

    wrong = {**alpaca, "api_key": "PKOTHER", "secret_key": "other-secret"}
    assert "refused the keys" in " ".join(
        open_runtime(key, broker="alpaca", alpaca=wrong).venue.problems()
    )
    with pytest.raises(DataError, match="stored alpaca keys cannot be opened"):
        open_runtime(new_sealing_key(), broker="alpaca", alpaca=alpaca).venue.broker()


def test_rotation_reseals_every_key_under_the_new_key_and_delete_forgets_them(
    open_runtime: Callable[..., Runtime],
) -> None:
    old, new = new_sealing_key(), new_sealing_key()
    broker_keys.store(open_runtime(old), "alpaca", api_key=KEY_ID, secret_key=SECRET, actor=ACTOR)
    assert broker_keys.list_stored(open_runtime(new))[0].current is False

    resealed = broker_keys.reseal(open_runtime(new, previous=old), actor=ACTOR)
    assert [(s.venue, s.sealed_with, s.current) for s in resealed] == [
        ("alpaca", key_fingerprint(new), True)
    ]
    after = open_runtime(new)  # the old key is no longer needed
    assert after._with_stored_keys("alpaca").alpaca.has_keys
    assert "broker_keys.resealed" in _raw_text(after)

    with pytest.raises(DataError, match="cannot be opened"):
        broker_keys.reseal(open_runtime(old), actor=ACTOR)  # all or nothing: still under new
    assert broker_keys.list_stored(after)[0].sealed_with == key_fingerprint(new)

    assert broker_keys.delete(after, "alpaca", actor=ACTOR).venue == "alpaca"
    assert broker_keys.list_stored(after) == []
    with pytest.raises(NotFound, match="no alpaca keys are stored"):
        broker_keys.delete(after, "alpaca", actor=ACTOR)
    assert audit.verify(after).ok
