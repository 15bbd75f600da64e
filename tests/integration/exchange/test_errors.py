"""Bad input gets Alpaca's error bodies with the right status: never a 500, never a traceback."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.requests import MarketOrderRequest

from tests.integration.exchange.conftest import HEADERS, Venue

pytestmark = pytest.mark.requirement("SEC-07")

ORDER = {"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day"}


def _error(answer: httpx.Response) -> tuple[int, int, str]:
    body = answer.json()
    assert answer.headers["content-type"].startswith("application/json")
    assert isinstance(body["code"], int) and isinstance(body["message"], str)
    return answer.status_code, body["code"], body["message"]


def test_malformed_json_is_a_400(venue: Venue) -> None:
    answer = venue.http.post(
        "/v2/orders",
        content=b'{"symbol": "AAPL", "qty": ',
        headers={"content-type": "application/json"},
    )
    assert _error(answer)[:2] == (400, 40010000)


def test_missing_or_wrong_keys_are_a_401(venue: Venue) -> None:
    bare = httpx.get(venue.url + "/v2/account")
    assert _error(bare) == (401, 40110000, "request is not authorized")
    venue.trading().get_account()  # binds the secret to the key
    with pytest.raises(APIError) as wrong:
        venue.trading(secret="not-the-secret").get_account()
    assert (wrong.value.status_code, wrong.value.code) == (401, 40110000)


def test_unknown_symbols(venue: Venue) -> None:
    client = venue.trading()
    with pytest.raises(APIError) as order:
        client.submit_order(
            MarketOrderRequest(symbol="ZZZZ", qty=1, side="buy", time_in_force="day")
        )
    assert (order.value.status_code, order.value.code) == (422, 42210000)
    assert order.value.message == 'asset "ZZZZ" not found'
    for call in (client.get_asset, client.get_open_position, client.close_position):
        with pytest.raises(APIError) as missing:
            call("ZZZZ")
        assert (missing.value.status_code, missing.value.code) == (404, 40410000)
    answer = venue.http.get("/v2/stocks/bars", params={"symbols": "AAPL,not a symbol"})
    assert _error(answer)[:2] == (422, 42210000)


def test_negative_or_zero_quantities(venue: Venue) -> None:
    for qty in (-1, 0, "-5"):
        answer = venue.http.post("/v2/orders", json={**ORDER, "qty": qty})
        assert _error(answer) == (422, 42210000, "qty must be > 0")
    answer = venue.http.post("/v2/orders", json={**ORDER, "qty": "NaN"})
    assert _error(answer)[0] == 422


def test_unknown_order_ids_are_a_404(venue: Venue) -> None:
    client = venue.trading()
    missing = uuid.uuid4()
    for call in (client.get_order_by_id, client.cancel_order_by_id):
        with pytest.raises(APIError) as caught:
            call(missing)
        assert (caught.value.status_code, caught.value.code, caught.value.message) == (
            404,
            40410000,
            "order not found",
        )
    with pytest.raises(APIError) as by_client:
        client.get_order_by_client_id("never-used")
    assert by_client.value.status_code == 404
    assert _error(venue.http.get("/v2/orders/not-a-uuid"))[:2] == (404, 40410000)


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/v2/orders", {**ORDER, "time_in_force": "forever"}),
        ("POST", "/v2/orders", {**ORDER, "type": "limit"}),
        ("POST", "/v2/orders", {**ORDER, "notional": 10}),
        ("POST", "/v2/orders", {**ORDER, "symbol": "aapl!"}),
        ("POST", "/v2/orders", {**ORDER, "client_order_id": "x" * 200}),
        ("POST", "/v2/orders", ["not", "an", "object"]),
        ("POST", "/v2/orders", {**ORDER, "order_class": "bracket"}),
        ("POST", "/v2/orders", {**ORDER, "qty": 1e30}),
        ("PATCH", "/v2/orders/" + str(uuid.UUID(int=1)), {"qty": 2}),
        ("PATCH", "/v2/account/configurations", {"max_margin_multiplier": "3"}),
        ("GET", "/v2/orders?status=sideways", None),
        ("GET", "/v2/orders?limit=100000", None),
        ("GET", "/v2/orders?after=yesterday", None),
        ("GET", "/v2/calendar?start=2017-13-01", None),
        ("GET", "/v2/stocks/bars?symbols=AAPL&timeframe=7Fortnight", None),
        ("GET", "/v2/stocks/bars?symbols=AAPL&page_token=%%%", None),
        ("GET", "/v2/stocks/bars?symbols=", None),
        ("GET", "/v2/account/portfolio/history?period=forever", None),
        ("DELETE", "/v2/positions/AAPL?percentage=500", None),
        ("GET", "/v2/no/such/route", None),
        ("PUT", "/v2/orders", None),
        ("POST", "/admin/clock", {"advance": "-1d"}),
        ("POST", "/admin/clock", {"to": "2000-01-01T00:00:00Z"}),
    ],
)
def test_bad_requests_get_an_alpaca_error_never_a_500(
    shared_venue: Venue, method: str, path: str, payload: Any
) -> None:
    answer = shared_venue.http.request(method, path, json=payload)
    status, code, _ = _error(answer)
    assert 400 <= status < 500
    assert code // 100000 == status or code == 40010001


def test_the_rate_limit_answers_429_before_anything_happens(
    start_venue: Callable[..., Venue],
) -> None:
    venue = start_venue(rate_limit=3)
    for _ in range(3):
        answer = venue.http.get("/v2/clock")
        assert answer.status_code == 200
        assert answer.headers["x-ratelimit-limit"] == "3"
    throttled = venue.http.post("/v2/orders", json=ORDER)
    assert _error(throttled) == (429, 42910000, "rate limit exceeded")
    assert throttled.headers["x-ratelimit-remaining"] == "0"
    assert not venue.exchange.matching.book.tickets  # the throttled POST created nothing
    other = httpx.get(venue.url + "/v2/clock", headers={**HEADERS, "APCA-API-KEY-ID": "PKOTHER"})
    assert other.status_code == 200  # each key has its own bucket
