"""Token buckets: each refills at ``rate`` tokens a second up to ``burst``; a request takes one
token from every bucket it counts against, all or none, or is refused with how long to wait.

``RateLimiter`` keeps them in Redis when it has a URL, one Lua script checking and taking every
bucket of a request atomically on Redis's own clock, so every instance shares each bucket; in
process otherwise. When Redis fails it falls back to its in-process buckets (each instance then
counts alone), says so in ``state()`` and tries Redis again after ``retry_seconds``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Bucket", "Decision", "LocalBuckets", "RateLimiter"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bucket:
    key: str
    rate: float
    burst: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: seconds until the fullest-lacking bucket holds a token again (0 when allowed)
    retry_after: float = 0.0
    #: the bucket that refused (its key), when refused
    bucket: str | None = None


class LocalBuckets:
    """In-process buckets for one event loop (no lock: it is called from the loop only)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, capacity: int = 100_000):
        self._clock, self._capacity = clock, capacity
        self._levels: dict[str, tuple[float, float]] = {}

    def take(self, buckets: Sequence[Bucket]) -> Decision:
        now = self._clock()
        levels = []
        wait, refused = 0.0, None
        for bucket in buckets:
            tokens, at = self._levels.get(bucket.key, (float(bucket.burst), now))
            tokens = min(float(bucket.burst), tokens + max(0.0, now - at) * bucket.rate)
            levels.append(tokens)
            if tokens < 1 and (1 - tokens) / bucket.rate > wait:
                wait, refused = (1 - tokens) / bucket.rate, bucket.key
        if len(self._levels) > self._capacity:
            self._forget_full(now, buckets)
        for bucket, tokens in zip(buckets, levels, strict=True):
            self._levels[bucket.key] = (tokens - 1 if refused is None else tokens, now)
        return Decision(refused is None, wait, refused)

    def _forget_full(self, now: float, buckets: Sequence[Bucket]) -> None:
        # a bucket idle long enough to be full again holds nothing worth keeping
        longest = max((b.burst / b.rate for b in buckets), default=60.0)
        self._levels = {k: v for k, v in self._levels.items() if now - v[1] < longest}


# KEYS: the buckets; ARGV: rate, burst of each in turn. Returns {allowed, wait, refused index}.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local levels, wait, refused = {}, 0, 0
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  levels[i] = tokens
  if tokens < 1 and (1 - tokens) / rate > wait then
    wait, refused = (1 - tokens) / rate, i
  end
end
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local tokens = levels[i]
  if refused == 0 then tokens = tokens - 1 end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000) + 1000)
end
return {refused == 0 and 1 or 0, tostring(wait), refused}
"""


@dataclass(frozen=True)
class LimiterState:
    shared: bool
    detail: str
    degraded: bool


class RateLimiter:
    """Buckets in Redis (``redis_url``) or in process; ``take`` is a coroutine for the loop."""

    def __init__(self, redis_url: str | None, prefix: str, *, retry_seconds: float = 5.0) -> None:
        self.url, self.prefix, self.retry_seconds = redis_url, prefix, retry_seconds
        self.local = LocalBuckets()
        self._client: Any = None
        self._script: Any = None
        self._failed_at: float | None = None
        self._failure = ""

    async def take(self, buckets: Sequence[Bucket]) -> Decision:
        if not buckets:
            return Decision(True)
        if self.url is None or self._waiting_to_retry():
            return self.local.take(buckets)
        try:
            return await self._take_in_redis(buckets)
        except Exception as error:  # any Redis failure: count here rather than refuse
            import redis

            if not isinstance(error, redis.RedisError | OSError):
                raise
            if self._failed_at is None:
                _log.warning(
                    "rate limits fall back to this process: Redis failed (%s)",
                    type(error).__name__,
                )
            self._failed_at, self._failure = time.monotonic(), type(error).__name__
            return self.local.take(buckets)

    def state(self) -> LimiterState:
        if self.url is None:
            return LimiterState(False, "in this process (no WB_REDIS_URL)", False)
        if self._failed_at is not None:
            detail = f"in this process: Redis failed ({self._failure}); instances count apart"
            return LimiterState(False, detail, True)
        return LimiterState(True, "shared by every instance in Redis", False)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client, self._script = self._client, None, None
            await client.aclose()

    def _waiting_to_retry(self) -> bool:
        failed = self._failed_at
        return failed is not None and time.monotonic() - failed < self.retry_seconds

    async def _take_in_redis(self, buckets: Sequence[Bucket]) -> Decision:
        if self._client is None:
            import redis.asyncio

            assert self.url is not None
            self._client = redis.asyncio.Redis.from_url(
                self.url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
            self._script = self._client.register_script(_TAKE)
        keys = [f"{self.prefix}:rl:{bucket.key}" for bucket in buckets]
        args: list[float | int] = []
        for bucket in buckets:
            args += [bucket.rate, bucket.burst]
        allowed, wait, refused = await self._script(keys=keys, args=args)
        if self._failed_at is not None:
            _log.warning("rate limits are shared in Redis again")
            self._failed_at = None
        if int(allowed):
            return Decision(True)
        return Decision(False, float(wait), buckets[int(refused) - 1].key)
