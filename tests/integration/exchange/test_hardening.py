"""The exchange as a well-behaved server: out-of-range values are 422 in Alpaca's error shape and
leave every route answering, /admin needs the admin key (and the admin key is no trading key),
bodies have a size limit, and new keys open accounts only up to a cap."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.exchange.conftest import HEADERS, Venue

pytestmark = pytest.mark.requirement("SEC-08")

ORDER = {"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day"}


def _error(answer: httpx.Response) -> tuple[int, int, str]:
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    assert isinstance(body["code"], int) and isinstance(body["message"], str)
    return answer.status_code, body["code"], body["message"]


def _still_serving(venue: Venue) -> None:
    for path in ("/v2/clock", "/v2/account", "/v2/orders", "/admin/clock", "/healthz"):
        answer = venue.http.get(path)
        assert answer.status_code == 200, (path, answer.text)


@pytest.mark.parametrize(
    "change",
    [
        {"speed": 1e308},
        {"speed": 1e7},
        {"speed": -1},
        {"advance": "99999999w"},
        {"advance": "9" * 400 + "d"},
        {"to": "9999-12-31T00:00:00Z"},
        {"advance": "10000d"},  # past the calendar's last session
    ],
)
def test_out_of_range_clock_changes_are_422_and_change_nothing(
    venue: Venue, change: dict[str, Any]
) -> None:
    before = venue.http.get("/admin/clock").json()
    status, code, _ = _error(venue.http.post("/admin/clock", json=change))
    assert (status, code // 100000 in (400, 422)) == (422, True)
    assert venue.http.get("/admin/clock").json() == before
    _still_serving(venue)


@pytest.mark.parametrize("number", ["Infinity", "NaN", "1e999"])
def test_a_speed_that_is_not_a_finite_number_is_422(venue: Venue, number: str) -> None:
    answer = venue.http.post(
        "/admin/clock",
        content=f'{{"speed": {number}}}',
        headers={"content-type": "application/json"},
    )
    assert _error(answer)[0] == 422
    _still_serving(venue)


def test_a_fill_delay_of_centuries_is_422(venue: Venue) -> None:
    answer = venue.http.post("/admin/faults", json={"fill_delay": "99999999w"})
    assert _error(answer)[0] == 422
    _still_serving(venue)


@pytest.mark.parametrize(
    "query",
    [
        "bars?symbols=AAPL&timeframe=1Day&start=3000-01-01",
        "bars?symbols=AAPL&timeframe=1Day&start=0001-01-01",
        "bars?symbols=AAPL&timeframe=1Day&start=0001-01-01T00:00:00Z&end=0001-01-02T00:00:00Z",
        "bars?symbols=AAPL&timeframe=1Day&end=3000-01-01",
        "trades?symbols=AAPL&start=0001-01-01",
        "quotes?symbols=AAPL&start=3000-01-01",
    ],
)
def test_market_data_for_year_3000_or_0001_is_422(shared_venue: Venue, query: str) -> None:
    status, code, message = _error(shared_venue.http.get("/v2/stocks/" + query))
    assert (status, code) == (422, 42210000)
    assert "out of range" in message
    _still_serving(shared_venue)


def test_a_far_but_possible_window_is_an_empty_answer(shared_venue: Venue) -> None:
    answer = shared_venue.http.get("/v2/stocks/bars?symbols=AAPL&start=2150-01-01")
    assert answer.status_code == 200
    assert answer.json() == {"bars": {}, "next_page_token": None}


@pytest.mark.parametrize(
    "query", ["period=99999999D", "period=99999A&timeframe=1D", "date_end=0001-01-01"]
)
def test_portfolio_history_over_any_span_answers(shared_venue: Venue, query: str) -> None:
    answer = shared_venue.http.get("/v2/account/portfolio/history?" + query)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["timestamp"]) == len(body["equity"]) <= 1  # a new account: now, at most
    assert body["base_value"] == 100000.0


def test_a_burst_of_429s_is_bounded(shared_venue: Venue) -> None:
    answer = shared_venue.http.post("/admin/faults", json={"rate_limit_burst": 10**30})
    assert _error(answer)[0] == 422
    _still_serving(shared_venue)


# -- the admin key -------------------------------------------------------------------------
@pytest.fixture
def bare(shared_venue: Venue) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_venue.url, timeout=30) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        HEADERS,  # a trading key pair is not the admin key
        {"Authorization": "Bearer not-the-admin-key"},
        {"Authorization": "Basic UEtURVNUMDAwMTp0ZXN0LXNlY3JldA=="},
    ],
)
@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/admin/clock", None),
        ("POST", "/admin/clock", {"advance": "1d"}),
        ("POST", "/admin/faults", {"error_rate": 1}),
        ("DELETE", "/admin/faults", None),
    ],
)
def test_admin_routes_need_the_admin_key(
    shared_venue: Venue,
    bare: httpx.Client,
    headers: dict[str, str],
    method: str,
    path: str,
    payload: Any,
) -> None:
    before = shared_venue.http.get("/admin/clock").json()
    answer = bare.request(method, path, json=payload, headers=headers)
    assert _error(answer)[:2] == (401, 40110000)
    assert shared_venue.http.get("/admin/clock").json() == before
    assert shared_venue.http.get("/admin/faults").json()["error_rate"] == 0


def test_the_admin_key_opens_admin_routes_and_only_them(
    shared_venue: Venue, bare: httpx.Client
) -> None:
    admin = shared_venue.exchange.admin_key
    answer = bare.get("/admin/clock", headers={"Authorization": f"Bearer {admin}"})
    assert answer.status_code == 200 and "now" in answer.json()
    as_key_id = {"APCA-API-KEY-ID": admin, "APCA-API-SECRET-KEY": "anything"}
    as_secret = {"APCA-API-KEY-ID": "PKADMINTRY", "APCA-API-SECRET-KEY": admin}
    for headers in (as_key_id, as_secret, {"Authorization": f"Bearer {admin}"}):
        refused = _error(bare.get("/v2/account", headers=headers))
        assert refused == (401, 40110000, "request is not authorized")  # no hint it was close
    assert shared_venue.exchange.store.key(admin) is None
    assert shared_venue.exchange.store.key("PKADMINTRY") is None


def test_a_configured_admin_key_is_the_one_in_force(start_venue: Callable[..., Venue]) -> None:
    venue = start_venue(admin_key="a-configured-admin-key-0123")
    assert venue.exchange.admin_key == "a-configured-admin-key-0123"
    answer = httpx.get(
        venue.url + "/admin/clock", headers={"Authorization": "Bearer a-configured-admin-key-0123"}
    )
    assert answer.status_code == 200


# -- request bodies ------------------------------------------------------------------------
def test_a_body_over_the_limit_is_a_413_and_does_nothing(start_venue: Callable[..., Venue]) -> None:
    venue = start_venue(max_body_bytes=4096)
    padded = json.dumps({**ORDER, "client_order_id": "x", "padding": "y" * 5000})
    answer = venue.http.post(
        "/v2/orders", content=padded, headers={"content-type": "application/json"}
    )
    assert _error(answer)[:2] == (413, 41310000)
    assert "4096 bytes" in answer.json()["message"]

    def chunks() -> Iterator[bytes]:  # no content-length: the limit counts what arrives
        for _ in range(10):
            yield b" " * 1000
        yield json.dumps(ORDER).encode()

    streamed = venue.http.post(
        "/v2/orders", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert _error(streamed)[:2] == (413, 41310000)
    assert not venue.exchange.matching.book.tickets
    assert venue.http.post("/v2/orders", json=ORDER).status_code == 200  # under it: served


def test_the_default_body_limit_is_64_kib(shared_venue: Venue) -> None:
    answer = shared_venue.http.post(
        "/admin/clock",
        content=b'{"advance": "1s"' + b" " * 70_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert _error(answer)[:2] == (413, 41310000)


# -- accounts ------------------------------------------------------------------------------
def _keys(n: int) -> dict[str, str]:
    return {"APCA-API-KEY-ID": f"PKCAP{n:04d}", "APCA-API-SECRET-KEY": f"secret-{n}"}


def test_new_keys_open_accounts_up_to_the_cap_then_get_a_403(
    start_venue: Callable[..., Venue],
) -> None:
    venue = start_venue(max_accounts=2)
    first, second = (httpx.get(venue.url + "/v2/account", headers=_keys(n)) for n in (1, 2))
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] != second.json()["id"]
    refused = httpx.get(venue.url + "/v2/account", headers=_keys(3))
    status, code, message = _error(refused)
    assert (status, code) == (403, 40310000)
    assert "2 accounts" in message and "max-accounts" in message
    again = httpx.get(venue.url + "/v2/account", headers=_keys(1))
    assert again.json()["id"] == first.json()["id"]  # known keys carry on
    assert len(venue.exchange.matching.book.accounts) == 2


def test_the_account_cap_holds_for_the_streams(start_venue: Callable[..., Venue]) -> None:
    import websockets.sync.client as ws

    venue = start_venue(max_accounts=1)
    assert httpx.get(venue.url + "/v2/account", headers=_keys(1)).status_code == 200
    with ws.connect(venue.url.replace("http", "ws") + "/v2/test") as socket:
        socket.recv()
        socket.send(json.dumps({"action": "auth", "key": "PKCAP0002", "secret": "s"}))
        assert json.loads(socket.recv()) == [
            {"T": "error", "code": 406, "msg": "connection limit exceeded"}
        ]
    with ws.connect(venue.url.replace("http", "ws") + "/stream") as socket:
        socket.send(json.dumps({"action": "auth", "key": "PKCAP0003", "secret": "s"}))
        reply = json.loads(socket.recv())
        assert reply["data"]["status"] == "unauthorized"
    assert len(venue.exchange.matching.book.accounts) == 1
