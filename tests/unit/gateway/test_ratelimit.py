"""Token buckets on a clock the test moves: a burst, refusal with the wait, refill, all or none
across a request's buckets; and the same script in Redis shared by two limiters."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from workbench.gateway.ratelimit import Bucket, LocalBuckets, RateLimiter
from workbench.testing import HandClock

pytestmark = pytest.mark.requirement("SEC-03")


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    clock = HandClock()
    buckets = LocalBuckets(clock)
    bucket = Bucket("user:a", rate=2, burst=3)
    assert [buckets.take([bucket]).allowed for _ in range(4)] == [True, True, True, False]
    refused = buckets.take([bucket])
    assert refused.bucket == "user:a" and refused.retry_after == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take([bucket]).allowed
    assert not buckets.take([bucket]).allowed


def test_a_request_takes_from_every_bucket_or_from_none() -> None:
    buckets = LocalBuckets(HandClock())
    tight, loose = Bucket("key:k", 1, 1), Bucket("addr:x", 1, 5)
    assert buckets.take([loose, tight]).allowed
    refused = buckets.take([loose, tight])
    assert not refused.allowed and refused.bucket == "key:k"
    # the refused request took nothing from the loose bucket: 4 are left
    assert [buckets.take([loose]).allowed for _ in range(5)] == [True] * 4 + [False]


@pytest.mark.redis
def test_two_limiters_on_one_redis_share_a_bucket(redis_url: str) -> None:
    prefix = f"wbtest-{uuid.uuid4().hex[:10]}"

    async def scenario() -> list[bool]:
        first, second = RateLimiter(redis_url, prefix), RateLimiter(redis_url, prefix)
        bucket = Bucket("user:shared", rate=0.01, burst=4)
        taken = [(await (first if n % 2 else second).take([bucket])).allowed for n in range(6)]
        assert first.state().shared and not first.state().degraded
        await first.close()
        await second.close()
        return taken

    assert asyncio.run(scenario()) == [True, True, True, True, False, False]
