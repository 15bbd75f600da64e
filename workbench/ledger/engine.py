"""Engines for the ledger's two stores, and the two kinds of connection its own work needs.

SQLite gets WAL (readers never block the writer), a busy timeout (writers queue instead of
failing) and foreign keys, on every connection. SQLAlchemy, not the sqlite3 module, emits BEGIN:
sqlite3's legacy mode starts no transaction for a SELECT, so a multi-table read would not be one
snapshot. Ordinary transactions begin IMMEDIATE, taking the write lock up front, because a
deferred transaction that reads and then writes fails outright (SQLITE_BUSY_SNAPSHOT, no retry)
when another connection committed in between; snapshot reads begin deferred and never block.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from workbench.core.errors import ConfigError, DataError, StoreUnavailable
from workbench.core.outputs import private_file
from workbench.ledger.sqltypes import dumps_json

__all__ = [
    "SNAPSHOT_OPTION",
    "connect",
    "create_ledger_engine",
    "maintenance",
    "masked_url",
    "reachable",
    "snapshot",
    "snapshot_options",
]

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: execution option asking for a read snapshot instead of a writing transaction
SNAPSHOT_OPTION = "workbench_snapshot"
#: PostgreSQL advisory lock held by schema work, so two processes never migrate at once
_MAINTENANCE_LOCK = 0x5742_4C47  # "WBLG"


def create_ledger_engine(url: str) -> Engine:
    """An engine for ``url``; ``postgresql://`` means psycopg 3, the driver installed."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(f"the ledger URL is not a database URL: {_redact(url)!r}") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _make_parent(parsed.database)
        engine = sa.create_engine(parsed, json_serializer=dumps_json)
        _configure_sqlite(engine)
        return engine
    if backend != "postgresql":
        raise ConfigError(
            f"the ledger runs on SQLite or PostgreSQL, not {backend} ({_redact(url)})"
        )
    # a bounded connect so that a wrong host fails `config validate` instead of hanging it
    return sa.create_engine(
        parsed, json_serializer=dumps_json, pool_pre_ping=True, connect_args={"connect_timeout": 10}
    )


def masked_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _redact(url: str) -> str:
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://***@{tail}" if at else url


def _make_parent(database: str | None) -> None:
    # the file made private before SQLite opens it: SQLite gives -wal and -shm the same mode
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file(Path(database))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is ours: see the module docstring
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        deferred = connection.get_execution_options().get(SNAPSHOT_OPTION, False)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent; a no-op once done).

    Switching needs an exclusive lock and SQLite answers "locked" at once instead of waiting
    for it, which happens when two processes open a new ledger together: retry, within the
    busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def snapshot_options(engine: Engine) -> dict[str, Any]:
    """Execution options for a consistent read-only view of the whole ledger."""
    if engine.dialect.name == "postgresql":
        return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return {SNAPSHOT_OPTION: True}


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """A connection, with "cannot reach the ledger" as a ConfigError naming the URL."""
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as exc:
        reason = _reason(exc)
        raise ConfigError(f"cannot open the ledger at {masked_url(engine)}: {reason}") from None
    with connection, reachable(engine):
        yield connection


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """Turn a database server that is down, restarting or gone mid-transaction into one
    ``StoreUnavailable`` (a CLI's one line, the API's 503) instead of a driver's traceback.

    The transaction the error cut short was rolled back by the server, so nothing of it is
    written; the pool drops the dead connections (``pool_pre_ping`` tests the others), so the
    first call after the server is back succeeds.
    """
    try:
        yield
    except sa.exc.DBAPIError as exc:
        if not _unreachable(exc):
            raise
        raise StoreUnavailable(
            "the ledger is not reachable now (its database server is down or restarting); "
            "nothing of this request was written: try again shortly",
            problems=[f"{masked_url(engine)}: {_reason(exc)}"],
        ) from None


def _unreachable(exc: sa.exc.DBAPIError) -> bool:
    if exc.connection_invalidated or isinstance(exc, sa.exc.InterfaceError):
        return True
    # psycopg's errors carry a SQLSTATE: none when no server answered (refused, reset), class
    # 08 for connection exceptions, 57P for a server shutting down; sqlite3's carry none at all
    state = getattr(exc.orig, "sqlstate", "")
    return isinstance(exc, sa.exc.OperationalError) and (
        state is None or str(state).startswith(("08", "57P"))
    )


def _reason(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees the ledger as of its first statement, whatever others
    commit meanwhile: REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite."""
    with connect(engine) as connection:
        connection.execution_options(**snapshot_options(engine))
        with connection.begin():
            yield connection


@contextmanager
def maintenance(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction for schema work (migrations, restore): all or nothing.

    On SQLite, foreign keys are off inside it and checked as a whole before commit: a batch
    migration rebuilds a table by dropping it, which with foreign keys on would cascade deletes
    into its children. (The pragma is ignored inside a transaction, hence around it.) On
    PostgreSQL an advisory lock makes concurrent upgrades of a fresh database wait in turn.
    """
    with connect(engine) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, "OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MAINTENANCE_LOCK)))
                yield connection
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite and not connection.invalidated:
                _sqlite_foreign_keys(connection, "ON")


def _sqlite_foreign_keys(connection: Connection, state: str) -> None:
    # straight to sqlite3: through SQLAlchemy the pragma would run inside a BEGIN, and be ignored
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={state}")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise DataError(
            f"{len(broken)} row(s) refer to rows that do not exist, e.g. {table} row {rowid} "
            f"-> {parent}"
        )
