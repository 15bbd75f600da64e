"""Which URLs make a ledger engine, without connecting to anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import ConfigError
from workbench.ledger import Ledger
from workbench.ledger.engine import create_ledger_engine


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    engine = create_ledger_engine("postgresql://u:secret@db.internal:5432/ledger")
    assert engine.url.drivername == "postgresql+psycopg"
    assert "secret" not in Ledger(engine).url
    assert "secret" not in repr(Ledger(engine))


def test_a_sqlite_ledger_gets_its_folder(tmp_path: Path) -> None:
    Ledger.from_url(f"sqlite:///{tmp_path / 'deep' / 'home' / 'ledger.db'}").dispose()
    assert (tmp_path / "deep" / "home").is_dir()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql+pymysql://u:secret@h/db", "SQLite or PostgreSQL, not mysql"),
        ("not a url", "not a database URL"),
    ],
)
def test_other_urls_are_a_config_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        create_ledger_engine(url)
    assert "secret" not in caught.value.message


def test_an_unreachable_server_is_a_config_error_naming_it() -> None:
    ledger = Ledger.from_url("postgresql://u:secret@127.0.0.1:9/ledger?connect_timeout=2")
    with pytest.raises(ConfigError, match=r"cannot open the ledger at .*127\.0\.0\.1:9") as caught:
        ledger.current()
    assert "secret" not in caught.value.message
    ledger.dispose()
