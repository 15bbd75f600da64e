"""The OMS over the Alpaca adapter while the local exchange misbehaves on purpose (its fault
injection: a share of 500s, bursts of 429s, latency, late fills, trade streams hung up): no order
is lost or placed twice, and every fill is booked once, also those the stream never reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from tests.integration.exchange.conftest import KEY, SECRET
from tests.integration.execution.conftest import Desk, wait_for
from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig
from workbench.core.errors import Retryable
from workbench.execution import OrderManager, RetryPolicy, order_manager_for, reconcile
from workbench.model import OrderRequest, OrderSide, TimeInForce
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("CON-07")

OPEN = "2017-01-03T14:35:00Z"
SYMBOLS = ["AAPL", "MSFT", "JPM", "XOM"]


@pytest.fixture
def runtime(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The runtime a ``workbench`` command on the desk would build, in this process."""
    for name, value in desk.env.items():
        if name.startswith("WB_"):
            monkeypatch.setenv(name, value)
    with Runtime.from_settings() as runtime:
        yield runtime


@pytest.fixture
def connect(desk: Desk, runtime: Runtime) -> Iterator[Callable[..., OrderManager]]:
    """``connect(stream=False, **AlpacaConfig fields)``: an OMS in this process over the Alpaca
    adapter, on the desk's ledger and exchange, resending without sleeping. Its clock and
    prices are the exchange's own (injected), so every request the faults meet is the
    adapter's."""
    brokers: list[AlpacaBroker] = []
    exchange = desk.venue.exchange

    def prices(symbols: list[str]) -> dict[str, Decimal]:
        found = {symbol: exchange.matching.price(symbol) for symbol in symbols}
        return {symbol: price for symbol, price in found.items() if price is not None}

    def build(stream: bool = False, **options: float) -> OrderManager:
        config = AlpacaConfig(
            api_key=KEY,
            secret_key=SECRET,
            url=desk.venue.url,
            data_url=desk.venue.url,
            retry_wait_s=0.01,
            **options,  # type: ignore[arg-type]
        )
        brokers.append(AlpacaBroker(config, stream=stream))
        return OrderManager(
            runtime.ledger,
            brokers[-1],
            account="alpaca",
            broker_name="alpaca",
            limits=runtime.settings.risk.for_strategy,
            prices=prices,
            now=exchange.clock.now,
            retry=RetryPolicy(attempts=3, first_delay=0.0),
            sleep=lambda seconds: None,
        )

    yield build
    for broker in brokers:
        broker.close()


def _faults(desk: Desk, **change: object) -> None:
    answer = desk.venue.http.post("/admin/faults", json=change)
    assert answer.status_code == 200, answer.text


def _buy(symbol: str, qty: int, n: int) -> OrderRequest:
    return OrderRequest(
        symbol=symbol, side=OrderSide.BUY, qty=Decimal(qty), client_order_id=f"fault-{n}"
    )


def _submit_as_a_caller_would(oms: OrderManager, request: OrderRequest) -> str:
    """Submit; on a retryable error (the venue busy before the intent was written) submit the
    same request again, as the runner's next step or a person would."""
    for _ in range(30):
        try:
            return str(oms.submit(request, actor="test").order.status)
        except Retryable:
            continue
    pytest.fail(f"{request.client_order_id} never got an answer")


def test_500s_429s_and_latency_lose_and_duplicate_nothing(
    desk: Desk, connect: Callable[..., OrderManager]
) -> None:
    oms = connect()
    oms.broker.account()  # the account opens before the faults begin
    _faults(desk, error_rate=0.35, rate_limit_burst=5, latency_ms=5, seed=11)
    requests = [_buy(SYMBOLS[n % 4], 1 + n % 3, n) for n in range(12)]
    answers = {r.client_order_id: _submit_as_a_caller_would(oms, r) for r in requests}
    # sent and acknowledged, or sent with the outcome unknown after the resends ran out
    assert set(answers.values()) <= {"accepted", "submitted"}
    assert "submitted" in answers.values()  # the seed makes some sends fail three times

    desk.venue.http.delete("/admin/faults")
    report = reconcile(oms, actor="test")
    assert report.ok, report.differences
    books = desk.assert_books_agree()
    assert set(books.ledger) == set(answers)
    assert {status for status, _ in books.ledger.values()} == {"accepted"}

    desk.venue.clock(to=OPEN)
    assert reconcile(oms, actor="test").fills_applied == 12
    books = desk.assert_books_agree()
    assert books.booked == {r.client_order_id: r.qty for r in requests}


def test_fills_while_the_trade_stream_is_down_are_booked_once_it_returns(
    desk: Desk, connect: Callable[..., OrderManager]
) -> None:
    oms = connect(stream=True, reconnect_min_s=1.5, reconnect_max_s=2.0)
    broker = oms.broker
    assert isinstance(broker, AlpacaBroker)
    wait_for(lambda: broker.streaming, "the trade stream to listen", timeout=30)
    requests = [_buy(symbol, 2, n) for n, symbol in enumerate(SYMBOLS)]
    for request in requests:
        assert oms.submit(request, actor="test").order.status == "accepted"

    dropped = desk.venue.http.post("/admin/faults", json={"drop_streams": True}).json()
    assert dropped["dropped_streams"] == 1
    wait_for(lambda: not broker.streaming, "the adapter to notice the drop", timeout=30)
    desk.venue.clock(to=OPEN)  # every order fills while nobody listens
    wait_for(lambda: broker.streaming, "the trade stream to come back", timeout=30)

    assert oms.process_events(actor="test") >= len(requests)
    books = desk.assert_books_agree()
    assert {status for status, _ in books.ledger.values()} == {"filled"}
    assert books.booked == {r.client_order_id: Decimal(2) for r in requests}
    assert oms.process_events(actor="test") == 0  # nothing is reported twice
    report = reconcile(oms, actor="test")
    assert (report.ok, report.fills_applied) == (True, 0)


def test_a_late_fill_is_booked_when_it_comes(
    desk: Desk, connect: Callable[..., OrderManager]
) -> None:
    oms = connect()
    _faults(desk, fill_delay="1d", latency_ms=20)
    request = OrderRequest(
        symbol="AAPL",
        side=OrderSide.BUY,
        qty=Decimal(3),
        time_in_force=TimeInForce.GTC,
        client_order_id="fault-late",
    )
    assert oms.submit(request, actor="test").order.status == "accepted"
    desk.venue.clock(to="2017-01-03T22:00:00Z")  # a whole session passes without a fill
    oms.process_events(actor="test")
    assert desk.assert_books_agree().ledger == {"fault-late": ("accepted", Decimal(0))}

    desk.venue.clock(to="2017-01-04T22:00:00Z")
    oms.process_events(actor="test")
    assert desk.assert_books_agree().booked == {"fault-late": Decimal(3)}
    assert reconcile(oms, actor="test").ok


def test_the_venue_clock_and_prices_answer_a_5xx_as_retryable(desk: Desk, runtime: Runtime) -> None:
    """The OMS as every face builds it reads the venue's clock and last prices through
    alpaca-py too: a 500 there must come out as the workbench's ``Retryable`` (what callers
    retry on), with nothing written or sent."""
    oms = order_manager_for(runtime, runtime.broker, account="alpaca")
    oms.broker.account()
    _faults(desk, error_rate=1.0, seed=3)
    with pytest.raises(Retryable):
        oms.submit(_buy("AAPL", 1, 0), actor="test")
    desk.venue.http.delete("/admin/faults")
    assert desk.assert_books_agree().ledger == {}
