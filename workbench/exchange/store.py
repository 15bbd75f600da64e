"""The exchange's own SQLite file: accounts, API keys, orders, fills and daily equity.

It is not the workbench ledger: the exchange plays a remote venue, and a venue keeps its own
books. The engine reports what changed after each call (``MatchingEngine.take_changes``) and
``save`` writes it in one transaction, so a restart finds every open order and position as
they were. WAL mode lets a reader (a test, an operator with ``sqlite3``) look while it runs.

Several processes may share one file (the paper book: every ``workbench trade`` command is a
process). ``transaction`` holds the file's write lock across reads and a save, so a caller can
read the book as the others left it, change it and write it back before anyone else writes;
writers wait for the lock (up to ``BUSY_TIMEOUT_S``) instead of failing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from workbench.exchange.codec import decode_account, decode_ticket, encode_account, encode_ticket
from workbench.exchange.matching.accounts import AccountState
from workbench.exchange.matching.book import Changes, EquityPoint
from workbench.exchange.matching.tickets import Ticket
from workbench.model import Fill

__all__ = ["BUSY_TIMEOUT_S", "ExchangeStore"]

#: how long a writer waits for another process's transaction on the same file
BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL, account_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, client_order_id TEXT NOT NULL,
    status TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
    UNIQUE (account_id, client_order_id)
);
CREATE TABLE IF NOT EXISTS fills (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL, account_id TEXT NOT NULL, symbol TEXT NOT NULL,
    side TEXT NOT NULL, qty TEXT NOT NULL, price TEXT NOT NULL, timestamp TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS equity (
    account_id TEXT NOT NULL, timestamp TEXT NOT NULL, equity TEXT NOT NULL,
    PRIMARY KEY (account_id, timestamp)
);
"""


class ExchangeStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # one connection, used under a lock: the exchange serialises engine calls anyway
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
        )
        # re-entrant: reads and ``save`` run inside ``transaction`` on the same thread
        self._lock = threading.RLock()
        _enable_wal(self._db)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the file's write lock until the block ends: reads inside see every other
        process's last commit, and ``save`` calls inside commit together, at the end (nothing
        of them on an exception)."""
        with self._transaction():
            yield

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db.in_transaction:  # inside ``transaction``: its commit is this one's
                yield self._db
                return
            # IMMEDIATE: take the write lock before reading, so what is read is still true
            # when written (a deferred read-then-write fails when another process wrote between)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------
    def save(
        self, changes: Changes, accounts: dict[str, AccountState], meta: dict[str, str]
    ) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO accounts (id, data) VALUES (?, ?)",
                [(i, json.dumps(encode_account(accounts[i]))) for i in sorted(changes.accounts)],
            )
            db.executemany(
                "INSERT OR REPLACE INTO orders (id, account_id, client_order_id, status, seq, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [_order_row(t) for t in changes.tickets.values()],
            )
            owners = {t.id: t.account_id for t in changes.tickets.values()}
            db.executemany(
                "INSERT OR IGNORE INTO fills VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_fill_row(f, owners[f.order_id]) for f in changes.fills],
            )
            db.executemany(
                "INSERT OR REPLACE INTO equity VALUES (?, ?, ?)",
                [(p.account_id, p.timestamp.isoformat(), str(p.equity)) for p in changes.equity],
            )
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted(meta.items())
            )

    def bind_key(self, key_id: str, secret: str, account_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?)", (key_id, _sha256(secret), account_id)
            )

    # -- reading ---------------------------------------------------------------------------
    def key(self, key_id: str) -> tuple[str, str] | None:
        """(secret sha256, account id) of a known key."""
        with self._lock:
            row = self._db.execute(
                "SELECT secret_sha256, account_id FROM api_keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def accounts(self) -> list[AccountState]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM accounts").fetchall()
        return [decode_account(json.loads(r[0])) for r in rows]

    def tickets(self) -> list[Ticket]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM orders ORDER BY seq").fetchall()
        return [decode_ticket(json.loads(r[0])) for r in rows]

    def fills(self, account_id: str) -> list[Fill]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, order_id, symbol, side, qty, price, timestamp FROM fills "
                "WHERE account_id = ? ORDER BY timestamp, rowid",
                (account_id,),
            ).fetchall()
        return [
            Fill(
                order_id=r[1],
                symbol=r[2],
                side=r[3],
                qty=Decimal(r[4]),
                price=Decimal(r[5]),
                timestamp=datetime.fromisoformat(r[6]),
                fill_id=r[0],
            )
            for r in rows
        ]

    def equity(self, account_id: str) -> list[EquityPoint]:
        with self._lock:
            rows = self._db.execute(
                "SELECT timestamp, equity FROM equity WHERE account_id = ? ORDER BY timestamp",
                (account_id,),
            ).fetchall()
        return [EquityPoint(account_id, datetime.fromisoformat(t), Decimal(e)) for t, e in rows]

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _enable_wal(db: sqlite3.Connection) -> None:
    """Switch the file to WAL (persistent; a no-op once done). Switching needs an exclusive
    lock, and SQLite answers "locked" at once rather than waiting when several processes open a
    new file together: retry, within the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def secret_matches(secret: str, digest: str) -> bool:
    import hmac

    return hmac.compare_digest(_sha256(secret), digest)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _order_row(ticket: Ticket) -> tuple[str, str, str, str, int, str]:
    return (
        ticket.id,
        ticket.account_id,
        ticket.order.client_order_id,
        str(ticket.status),
        ticket.seq,
        json.dumps(encode_ticket(ticket)),
    )


def _fill_row(fill: Fill, account_id: str) -> tuple[str, ...]:
    return (
        fill.fill_id or "",
        fill.order_id,
        account_id,
        fill.symbol,
        str(fill.side),
        str(fill.qty),
        str(fill.price),
        fill.timestamp.isoformat(),
    )
