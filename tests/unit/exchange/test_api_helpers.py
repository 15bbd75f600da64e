"""The HTTP layer's small parts, without a server: rate limits, tokens, formats, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workbench.exchange.api.admin import parse_duration
from workbench.exchange.api.auth import RateLimiter
from workbench.exchange.api.bars import Timeframe, decode_token, page
from workbench.exchange.api.render import money, price, quantity, timestamp
from workbench.exchange.faults import Faults
from workbench.exchange.matching import InvalidOrder


def test_the_rate_limiter_is_a_token_bucket_per_key() -> None:
    wall = [1000.0]
    limiter = RateLimiter(3, window=60, wall=lambda: wall[0])
    assert [limiter.take("a").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.take("b").allowed  # another key, another bucket
    wall[0] += 20  # one token back (3 a minute)
    verdict = limiter.take("a")
    assert (verdict.allowed, verdict.remaining) == (True, 0)
    assert verdict.reset == 1080


def test_durations_and_timeframes() -> None:
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1 day") == timedelta(days=1)
    assert parse_duration("2w") == timedelta(weeks=2)
    with pytest.raises(InvalidOrder):
        parse_duration("soon")
    assert Timeframe.parse("15Min") == Timeframe(15, "Min")
    assert Timeframe.parse("1H").lake_name == "1h"
    assert Timeframe.parse("1Day").delta == timedelta(days=1)
    for bad in ("60Min", "2Day", "5Month", "1Fortnight"):
        with pytest.raises(InvalidOrder):
            Timeframe.parse(bad)


def test_pages_run_by_symbol_then_time_and_resume_after_their_token() -> None:
    t = [datetime(2017, 1, d, tzinfo=UTC) for d in (3, 4, 5)]
    items = [(s, moment, {"s": s, "d": moment.day}) for s in ("MSFT", "AAPL") for moment in t]
    first, token = page(items, limit=4, descending=False, token=None)
    assert {s: [i["d"] for i in v] for s, v in first.items()} == {"AAPL": [3, 4, 5], "MSFT": [3]}
    assert token is not None and decode_token(token) == ("MSFT", t[0])
    second, last = page(items, limit=4, descending=False, token=token)
    assert ({s: [i["d"] for i in v] for s, v in second.items()}, last) == ({"MSFT": [4, 5]}, None)
    with pytest.raises(InvalidOrder):
        decode_token("%%%")


def test_numbers_are_plain_decimal_strings() -> None:
    assert money(Decimal("100000.004")) == "100000"
    assert money(Decimal("-0.001")) == "0"
    assert price(Decimal("115.5533333333")) == "115.5533"
    assert quantity(Decimal("8.6333419666")) == "8.633341967"
    assert quantity(Decimal("1E+1")) == "10"
    assert timestamp(datetime(2017, 1, 3, 14, 30, tzinfo=UTC)) == "2017-01-03T14:30:00.000000Z"


def test_faults_draw_bursts_first_then_errors() -> None:
    faults = Faults()
    faults.configure(rate_limit_burst=1, error_rate=1, latency_ms=5, seed=1)
    assert [faults.draw().status for _ in range(3)] == [429, 500, 500]
    assert faults.draw().delay == 0.005
    faults.configure(error_rate=0)
    assert faults.draw().status is None
