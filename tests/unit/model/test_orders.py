"""Order requests and fills: Decimal quantities, checked where they are made."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from workbench.core.errors import DataError
from workbench.model import Fill, Order, OrderRequest, OrderSide, OrderStatus, OrderType

NOW = datetime(2023, 5, 25, 13, 30, tzinfo=UTC)


def test_a_market_order_coerces_strings_and_ints_to_decimal() -> None:
    order = OrderRequest("AAPL", "buy", qty=10)  # type: ignore[arg-type]
    assert order.qty == Decimal(10)
    assert isinstance(order.qty, Decimal)
    assert order.side is OrderSide.BUY
    limit = OrderRequest(
        "AAPL", OrderSide.SELL, qty=Decimal("1.5"), type=OrderType.LIMIT, limit_price="150.25"
    )  # type: ignore[arg-type]
    assert limit.limit_price == Decimal("150.25")


@pytest.mark.parametrize("qty", [Decimal(-1), Decimal(0), -5, "-0.1"])
def test_a_quantity_must_be_positive(qty: object) -> None:
    with pytest.raises(DataError, match="qty must be positive"):
        OrderRequest("AAPL", OrderSide.BUY, qty=qty)  # type: ignore[arg-type]


def test_floats_are_refused_for_decimal_fields() -> None:
    with pytest.raises(DataError, match=r"qty must be a Decimal, int or str, not float \(0.1\)"):
        OrderRequest("AAPL", OrderSide.BUY, qty=0.1)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="limit_price must be a Decimal"):
        OrderRequest("AAPL", OrderSide.BUY, qty=Decimal(1), type=OrderType.LIMIT, limit_price=150.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("qty", ["ten", "NaN", "Infinity"])
def test_a_quantity_must_be_a_finite_number(qty: str) -> None:
    with pytest.raises(DataError, match="qty"):
        OrderRequest("AAPL", OrderSide.BUY, qty=qty)  # type: ignore[arg-type]


@pytest.mark.parametrize("symbol", ["aapl", "", "AAPL USD", 7])
def test_a_bad_symbol_is_refused(symbol: object) -> None:
    with pytest.raises(DataError, match="invalid symbol"):
        OrderRequest(symbol, OrderSide.BUY, qty=Decimal(1))  # type: ignore[arg-type]


def test_exactly_one_of_qty_and_notional() -> None:
    with pytest.raises(DataError, match="exactly one of qty and notional"):
        OrderRequest("AAPL", OrderSide.BUY)
    with pytest.raises(DataError, match="exactly one of qty and notional"):
        OrderRequest("AAPL", OrderSide.BUY, qty=Decimal(1), notional=Decimal(100))
    assert OrderRequest("AAPL", OrderSide.BUY, notional=Decimal(100)).qty is None


def test_order_types_need_their_prices() -> None:
    with pytest.raises(DataError, match="limit order needs a limit price"):
        OrderRequest("AAPL", OrderSide.BUY, qty=Decimal(1), type=OrderType.LIMIT)
    with pytest.raises(DataError, match="stop order needs a stop price"):
        OrderRequest("AAPL", OrderSide.BUY, qty=Decimal(1), type=OrderType.STOP)
    with pytest.raises(DataError, match="exactly one of trail_percent and trail_price"):
        OrderRequest("AAPL", OrderSide.BUY, qty=Decimal(1), type=OrderType.TRAILING_STOP)


def test_an_unknown_side_is_refused() -> None:
    with pytest.raises(ValueError, match="'hold' is not a valid OrderSide"):
        OrderRequest("AAPL", "hold", qty=Decimal(1))  # type: ignore[arg-type]


def test_orders_and_fills_need_utc_timestamps() -> None:
    request = OrderRequest("AAPL", OrderSide.BUY, qty=Decimal(3))
    with pytest.raises(DataError, match="created_at must be timezone-aware UTC"):
        Order("o1", "c1", request, OrderStatus.NEW, datetime(2023, 5, 25), NOW)
    order = Order("o1", "c1", request, OrderStatus.NEW, NOW, NOW, filled_qty=Decimal(1))
    assert order.remaining_qty == Decimal(2)
    with pytest.raises(DataError, match="timestamp must be timezone-aware UTC"):
        Fill("o1", "AAPL", OrderSide.BUY, Decimal(1), Decimal(10), datetime(2023, 5, 25))


def test_a_fill_refuses_floats_and_non_positive_prices() -> None:
    with pytest.raises(DataError, match="price must be a Decimal"):
        Fill("o1", "AAPL", OrderSide.BUY, Decimal(1), 10.5, NOW)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="price must be positive"):
        Fill("o1", "AAPL", OrderSide.BUY, Decimal(1), Decimal(0), NOW)
    fill = Fill("o1", "AAPL", "sell", 2, "10.5", NOW)  # type: ignore[arg-type]
    assert fill.notional == Decimal("21.0")
