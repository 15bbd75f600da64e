"""One running exchange: the engine, its clock, its store and its market data, behind one lock.

``Exchange`` is what the HTTP app holds. Each request runs inside ``exchange.engine()``: the lock
is taken, the market is played up to the clock's now, the request acts, and whatever changed is
saved in one SQLite transaction before the lock is released, so a crash loses at most the
request in flight and a restart finds open orders and positions as they were.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from workbench.core.errors import (
    AuthError,
    DataError,
    NotFound,
    PermissionDenied,
    WorkbenchError,
)
from workbench.exchange.assets import AssetCatalog
from workbench.exchange.clock import ExchangeClock, check_speed
from workbench.exchange.config import ExchangeConfig
from workbench.exchange.faults import Faults
from workbench.exchange.feed import LakeBarFeed
from workbench.exchange.hub import EventHub
from workbench.exchange.matching.engine import MatchingEngine
from workbench.exchange.sessions import ExchangeCalendar, exchange_calendar
from workbench.exchange.store import ExchangeStore, secret_matches

__all__ = ["Exchange", "opening_instant"]

_log = logging.getLogger(__name__)
#: the replay starts this long before the first session's open bell, so first orders meet it
START_BEFORE_OPEN = timedelta(minutes=1)


class Exchange:
    def __init__(self, lake: Any, config: ExchangeConfig) -> None:
        if lake.is_empty():
            raise NotFound(
                f"the market-data lake at {lake.url} is empty: run `workbench data load-sample`"
            )
        check_speed(config.speed)  # before any file is opened
        if config.reset and config.db_path.exists():
            for suffix in ("", "-wal", "-shm"):
                config.db_path.with_name(config.db_path.name + suffix).unlink(missing_ok=True)
        self.config = config
        self.lake = lake
        self.calendar: ExchangeCalendar = exchange_calendar()
        self.assets = AssetCatalog.from_lake(lake)
        self.store = ExchangeStore(config.db_path)
        saved = self.store.meta()
        start = self._start(saved)
        last = self.calendar.session_on_or_after(self.calendar.last_date)
        self.clock = ExchangeClock(
            start, config.speed, end=None if last is None else last.after_hours_end
        )
        #: the bearer token of the /admin routes; never accepted as a trading key
        self.admin_key = config.admin_key or secrets.token_urlsafe(24)
        self.feed = LakeBarFeed(lake, self.calendar, config.timeframe)
        processed = datetime.fromisoformat(saved["processed_until"]) if saved else start
        self.matching = MatchingEngine(
            clock=self.clock,
            calendar=self.calendar,
            feed=self.feed,
            assets=self.assets.get,
            config=config.matching,
            processed_until=processed,
        )
        self.matching.restore(self.store.accounts(), self.store.tickets())
        self.hub = EventHub()
        self.matching.subscribe(self.hub.publish)
        self.faults = Faults()
        self._lock = threading.RLock()
        self._feeds: dict[str, LakeBarFeed] = {}
        self._closed = False
        self._saved_meta: dict[str, str] = {}

    def _start(self, saved: dict[str, str]) -> datetime:
        if "clock" in saved:
            if self.config.start is not None:
                _log.info("resuming the exchange at its saved clock %s", saved["clock"])
            return datetime.fromisoformat(saved["clock"])
        if self.config.start is None:
            raise DataError(
                "a new exchange needs a start session (--start YYYY-MM-DD) within the lake's "
                f"bars_{self.config.timeframe}: {self._coverage()}"
            )
        return opening_instant(self.calendar, self.config.start)

    def feed_for(self, timeframe: str) -> LakeBarFeed | None:
        """The engine's feed for its own timeframe, else a cached one when the lake has it."""
        if timeframe == self.feed.timeframe:
            return self.feed
        if f"bars_{timeframe}" not in self.lake.datasets():
            return None
        with self._lock:
            if timeframe not in self._feeds:
                self._feeds[timeframe] = LakeBarFeed(self.lake, self.calendar, timeframe)
            return self._feeds[timeframe]

    def _coverage(self) -> str:
        try:
            rows = self.lake.coverage(f"bars_{self.config.timeframe}")
        except WorkbenchError:
            return "none"
        if rows.empty:
            return "none"
        return f"{rows['first'].min():%Y-%m-%d} to {rows['last'].max():%Y-%m-%d}"

    @contextmanager
    def engine(self) -> Iterator[MatchingEngine]:
        """The engine, synced to now, for one request; what changed is saved on the way out
        (also when the request raised: a refusal may follow fills the sync produced)."""
        with self._lock:
            engine = self.matching
            try:
                engine.sync()
                yield engine
            finally:
                self._save()

    def _save(self) -> None:
        changes = self.matching.take_changes()
        meta = {
            "clock": self.clock.now().isoformat(),
            "processed_until": self.matching.processed_until.isoformat(),
        }
        if not changes and meta == self._saved_meta:
            return  # a read that moved nothing: no write
        self.store.save(changes, self.matching.book.accounts, meta)
        self._saved_meta = meta

    # -- keys and accounts -----------------------------------------------------------------
    def authenticate(self, key_id: str, secret: str) -> str:
        """The account id of a key pair; a new key (when any key is welcome) opens an account,
        up to ``config.max_accounts`` (then ``PermissionDenied``)."""
        if not key_id or not secret:
            raise AuthError("request is not authorized")
        if self.is_admin_key(key_id) or self.is_admin_key(secret):
            # the admin key is no trading key; the same answer as any refusal, not a hint
            raise AuthError("request is not authorized")
        configured = self.config.api_keys
        if configured is not None:
            expected = configured.get(key_id)
            if expected is None or not hmac.compare_digest(expected, secret):
                raise AuthError("request is not authorized")
        with self._lock:
            known = self.store.key(key_id)
            if known is not None:
                digest, account_id = known
                if configured is None and not secret_matches(secret, digest):
                    raise AuthError("request is not authorized")
                return account_id
            if len(self.matching.book.accounts) >= self.config.max_accounts:
                raise PermissionDenied(
                    f"this exchange has opened its {self.config.max_accounts} accounts (its "
                    "max_accounts): use a key it already knows, or restart it with a larger "
                    "--max-accounts"
                )
            with self.engine() as engine:
                account = engine.open_account()
            self.store.bind_key(key_id, secret, account.id)
            return account.id

    def is_admin_key(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.admin_key.encode())

    # -- the clock -------------------------------------------------------------------------
    def advance(self, step: timedelta) -> int:
        """Step the clock forward and play the market over the step; returns the steps played."""
        with self._lock:
            self.clock.advance(step)
            return self.tick()

    def move_to(self, moment: datetime) -> int:
        with self._lock:
            self.clock.set(moment)
            return self.tick()

    def inject(self, **faults: Any) -> None:
        """Change the injected faults (``workbench.exchange.faults``)."""
        with self._lock:
            self.faults.configure(**faults)
            self.matching.fill_delay = self.faults.fill_delay

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self.clock.set_speed(speed)

    def tick(self) -> int:
        """Play the market up to now (a running clock's heartbeat: fills happen unasked)."""
        with self._lock:
            try:
                return self.matching.sync()
            finally:
                self._save()

    def close(self) -> None:
        """Save and close the books (again: nothing)."""
        with self._lock:
            if self._closed:
                return
            self._save()
            self.store.close()
            self._closed = True


def opening_instant(calendar: ExchangeCalendar, start: date | datetime) -> datetime:
    """A date means just before its session's open bell (the next session's, on a holiday)."""
    if isinstance(start, datetime):
        if start.tzinfo is None:
            raise DataError(f"start must be timezone-aware, got {start.isoformat()}")
        return start
    session = calendar.session_on_or_after(start)
    if session is None:
        raise DataError(f"no trading session on or after {start.isoformat()}")
    return session.open - START_BEFORE_OPEN
