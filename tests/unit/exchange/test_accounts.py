"""Cash, positions and Alpaca's margin arithmetic (alpaca_api.md 5.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from workbench.exchange.matching.accounts import AccountState, PositionValue, apply_fill
from workbench.model import OrderSide, Position

T0 = datetime(2017, 1, 3, tzinfo=UTC)


def _account(cash: str, last_equity: str | None = None) -> AccountState:
    return AccountState(
        id="a",
        number="PA1",
        created_at=T0,
        cash=Decimal(cash),
        last_equity=Decimal(last_equity or cash),
    )


def test_the_multiplier_follows_equity_at_the_last_close_and_the_configured_cap() -> None:
    assert _account("1999").multiplier() == 1
    assert _account("2000").multiplier() == 2
    assert _account("25000").multiplier() == 4
    capped = _account("100000")
    capped.config.max_margin_multiplier = 2
    assert capped.multiplier() == 2


def test_buying_power_per_multiplier() -> None:
    prices = {"AAPL": Decimal(100)}.get
    margin = _account("50000")
    margin.positions["AAPL"] = Position("AAPL", Decimal(500), Decimal(100))  # 50k long
    snapshot = margin.value(prices)
    assert snapshot.equity == Decimal(100_000)
    assert snapshot.initial_margin == Decimal(25_000)
    assert snapshot.regt_buying_power == Decimal(150_000)  # 2 x (100k - 25k)
    assert snapshot.buying_power == Decimal(350_000)  # 4 x (100k - 25% of 50k)
    margin.config.max_margin_multiplier = 2
    assert margin.value(prices).buying_power == Decimal(150_000)
    margin.config.max_margin_multiplier = 1
    assert margin.value(prices).buying_power == Decimal(50_000)  # the cash


def test_maintenance_margin_of_longs_and_shorts() -> None:
    def maintenance(qty: int, price: str) -> Decimal:
        position = Position("X", Decimal(qty), Decimal(price))
        return PositionValue.of(position, Decimal(price)).maintenance_margin

    assert maintenance(100, "10") == Decimal(300)  # 30 %
    assert maintenance(100, "2") == Decimal(200)  # 100 % under $2.50
    assert maintenance(-100, "10") == Decimal(500)  # $5 a share beats 30 %
    assert maintenance(-100, "4") == Decimal(400)  # 100 % under $5
    assert maintenance(-10, "100") == Decimal(300)


def test_fills_average_in_reduce_at_cost_and_cross_through_zero() -> None:
    account = _account("0")
    assert apply_fill(account, "X", OrderSide.BUY, Decimal(10), Decimal(10)) == 10
    apply_fill(account, "X", OrderSide.BUY, Decimal(10), Decimal(20))
    assert account.positions["X"].avg_entry_price == Decimal(15)
    apply_fill(account, "X", OrderSide.SELL, Decimal(5), Decimal(30))
    assert account.positions["X"].avg_entry_price == Decimal(15)
    assert apply_fill(account, "X", OrderSide.SELL, Decimal(20), Decimal(40)) == -5
    assert account.positions["X"].avg_entry_price == Decimal(40)
    apply_fill(account, "X", OrderSide.BUY, Decimal(5), Decimal(35))
    assert "X" not in account.positions
    assert account.cash == -100 - 200 + 150 + 800 - 175
