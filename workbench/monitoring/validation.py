"""Quote validation as array operations: zero or negative prices, crossed books, stale quotes
and out-of-order timestamps are dropped and counted, never passed on.

Out-of-order is judged per symbol against the newest quote already accepted (in the cache or
earlier in the same batch): a quote older than that is dropped; an equal time is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from workbench.monitoring.cache import NEVER
from workbench.monitoring.quotes import IntArray, QuoteBatch

__all__ = ["QuoteValidator", "ValidationCounts"]

_KEY_ROOM = 2**62


@dataclass
class ValidationCounts:
    accepted: int = 0
    zero: int = 0
    crossed: int = 0
    stale: int = 0
    out_of_order: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def dropped(self) -> int:
        return self.zero + self.crossed + self.stale + self.out_of_order

    def to_dict(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "dropped": self.dropped,
            "zero": self.zero,
            "crossed": self.crossed,
            "stale": self.stale,
            "out_of_order": self.out_of_order,
        }


class QuoteValidator:
    """``max_age_ns``: a quote older than this at ``now_ns`` is stale (None: never stale)."""

    def __init__(self, max_age_ns: int | None = None) -> None:
        self.max_age_ns = max_age_ns
        self.counts = ValidationCounts()

    def validate(self, batch: QuoteBatch, last_ts: IntArray, now_ns: int | None) -> QuoteBatch:
        """The valid rows of ``batch``, grouped by symbol (arrival order kept within one)."""
        if len(batch) == 0:
            return batch
        zero = (batch.bid <= 0) | (batch.ask <= 0) | ~np.isfinite(batch.bid + batch.ask)
        crossed = ~zero & (batch.bid > batch.ask)
        keep = ~(zero | crossed)
        stale = np.zeros(len(batch), dtype=bool)
        if self.max_age_ns is not None and now_ns is not None:
            stale = keep & (batch.ts < now_ns - self.max_age_ns)
            keep &= ~stale
        rows = np.flatnonzero(keep)
        order = rows[np.argsort(batch.symbol[rows], kind="stable")]
        late = _out_of_order(batch.symbol[order], batch.ts[order], last_ts)
        counts = self.counts
        counts.zero += int(zero.sum())
        counts.crossed += int(crossed.sum())
        counts.stale += int(stale.sum())
        counts.out_of_order += int(late.sum())
        counts.accepted += len(order) - int(late.sum())
        return batch.take(order[~late])


def _out_of_order(codes: IntArray, ts: IntArray, last_ts: IntArray) -> npt.NDArray[np.bool_]:
    """Rows (grouped by symbol) older than the newest earlier row or cached quote of their
    symbol. A per-group running maximum in one pass: each group's times are offset into their
    own band of one int64 key, so ``maximum.accumulate`` never carries across groups."""
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=bool)
    known = codes < len(last_ts)
    previous = np.full(n, NEVER, dtype=np.int64)
    previous[known] = last_ts[codes[known]]
    low = int(ts.min())
    # a cached time older than the whole batch orders the same as one just before it
    # and one newer than the whole batch like one just after it: both keep keys in their band
    high = int(ts.max())
    previous = np.clip(previous, low - 1, high + 1)
    span = high - low + 3
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    groups = len(starts)
    if groups * span >= _KEY_ROOM:
        return _out_of_order_slow(codes, ts, previous, starts)
    rank = np.cumsum(np.r_[True, codes[1:] != codes[:-1]]) - 1
    band = rank.astype(np.int64) * span - low + 1
    keys = ts + band
    prior_keys = previous + band
    running = np.maximum.accumulate(np.maximum(keys, prior_keys))
    before = np.empty(n, dtype=np.int64)
    before[0] = prior_keys[0]
    before[1:] = running[:-1]
    before[starts] = prior_keys[starts]
    late: npt.NDArray[np.bool_] = keys < np.maximum(before, prior_keys)
    return late


def _out_of_order_slow(
    codes: IntArray, ts: IntArray, previous: IntArray, starts: IntArray
) -> npt.NDArray[np.bool_]:
    late = np.zeros(len(codes), dtype=bool)
    ends = np.r_[starts[1:], len(codes)]
    for start, end in zip(starts, ends, strict=True):
        group = ts[start:end]
        newest = np.maximum.accumulate(np.r_[previous[start], group])[:-1]
        late[start:end] = group < newest
    return late
