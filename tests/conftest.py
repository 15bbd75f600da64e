"""Fixtures shared by every test tier.

Every test runs with ``WB_HOME`` in its own temporary folder and without the caller's ``WB_``
variables, so nothing reads or writes ``~/.workbench``. PostgreSQL and Redis tests use the
servers at ``WB_TEST_POSTGRES_URL`` / ``WB_TEST_REDIS_URL`` (loopback defaults); without them
those tests skip with the reason, except under ``CI=true``, where a missing server fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "WB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(what: str, why: str) -> None:
    message = f"{what} is not reachable ({why})"
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this must not skip")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    for name in list(os.environ):
        if name.startswith("WB_") and not name.startswith("WB_TEST_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("wb-home")
    monkeypatch.setenv("WB_HOME", str(home))
    return home


@pytest.fixture
def wb_home(_isolated_environment: Path) -> Path:
    """The ``WB_HOME`` this test runs with (empty at the start)."""
    return _isolated_environment


@pytest.fixture(scope="session")
def shared_sample_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample loaded once for the whole run (as `workbench data load-sample` leaves
    it). Tests only read it: a test that writes takes a copy (``workbench.testing.copy_lake``)."""
    from workbench.data import Lake
    from workbench.data.sample import load_sample

    lake = Lake(tmp_path_factory.mktemp("sample") / "lake")
    load_sample(lake)
    lake.close()
    return lake.root


@pytest.fixture
def sample_home(shared_sample_lake: Path, wb_home: Path) -> Path:
    """This test's ``WB_HOME`` holding a writable copy of the sample lake."""
    from workbench.testing import copy_lake

    copy_lake(shared_sample_lake, wb_home / "lake")
    return wb_home


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:
        _unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL}", type(exc).__name__)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded SQLite ledger and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:
        _unavailable(f"Redis at {REDIS_URL}", type(exc).__name__)
    finally:
        client.close()
    return REDIS_URL
