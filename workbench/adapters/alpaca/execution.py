"""Orders, positions and the account through alpaca-py's ``TradingClient``.

alpaca-py re-sends a request Alpaca answered 429 or 504, POSTs included, and there is no second
retry layer here: a resent submit must not place a second order. Every submit therefore carries a
``client_order_id`` (one is made up when the request has none), and a "client_order_id must be
unique" refusal, whether from our resend or alpaca-py's, answers with the order already placed.

Errors become the workbench's: 429 and 5xx once alpaca-py gave up, and unreachable hosts, are
``Retryable``; a 404 is ``NotFound``; every other refusal (buying power, shares held, order
rules) is ``Fatal`` with Alpaca's message.

``events()`` reports each change once, from two sources. With ``stream=True`` a
``TradeUpdateListener`` (alpaca-py's ``TradingStream`` on a thread) delivers every change and
every execution as it happens. Polling asks for each order this broker has seen that was still
open: always without the stream, and with it only while it is not listening or after it was
down (the venue does not resend what a dropped link missed), or on every call with
``poll_while_streaming=True``. ``OrderEventLog`` drops what the other source already reported
(executions by filled quantity, other changes by kind).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.adapters.alpaca.order_events import Execution, OrderEventLog
from workbench.adapters.ports import BrokerEvent, OrderStatusFilter
from workbench.core.errors import Fatal, NotFound, Retryable
from workbench.model import (
    Account,
    Order,
    OrderClass,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    TimeInForce,
)

if TYPE_CHECKING:
    from workbench.adapters.alpaca.clock import AlpacaClock
    from workbench.adapters.alpaca.trading_stream import TradeUpdateListener

__all__ = ["AlpacaBroker", "order_from_alpaca", "order_to_alpaca"]

T = TypeVar("T")
#: what Alpaca (and the local exchange) answer a reused client_order_id with (422)
_DUPLICATE_MESSAGE = "client_order_id must be unique"
_MODEL_STATUSES = frozenset(str(status) for status in OrderStatus)
_FIELDS_OF_TYPE = {
    OrderType.MARKET: (),
    OrderType.LIMIT: ("limit_price",),
    OrderType.STOP: ("stop_price",),
    OrderType.STOP_LIMIT: ("stop_price", "limit_price"),
    OrderType.TRAILING_STOP: ("trail_price", "trail_percent"),
}


class AlpacaBroker:
    venue = "alpaca"

    def __init__(
        self,
        config: AlpacaConfig,
        client: Any | None = None,
        *,
        stream: bool = False,
        poll_while_streaming: bool = False,
    ) -> None:
        if client is None:
            from alpaca.trading.client import TradingClient

            client = TradingClient(
                api_key=config.api_key,
                secret_key=config.secret_key,
                paper=True,
                url_override=config.url,
            )
            # RESTClient exposes its retry knobs only as attributes (alpaca-py 0.44)
            client._retry = config.retry_attempts
            client._retry_wait = config.retry_wait_s  # type: ignore[assignment]  # a float sleeps fine
        self.config = config
        self._client = client
        self._log = OrderEventLog()
        self._poll_while_streaming = poll_while_streaming
        self._listener: TradeUpdateListener | None = None
        #: order id -> the listener's outage count since which the stream has seen it all
        self._covered: dict[str, int] = {}
        self._clock: AlpacaClock | None = None
        if stream:
            from workbench.adapters.alpaca.trading_stream import TradeUpdateListener

            self._listener = TradeUpdateListener(config).start()

    # -- Broker ----------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._venue_clock().now()

    def last_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        return self._venue_clock().last_prices(symbols)

    def account(self) -> Account:
        raw = self._call(self._client.get_account)
        return Account(
            id=str(raw.id),
            cash=_decimal(raw.cash),
            equity=_decimal(raw.equity),
            buying_power=_decimal(raw.buying_power),
            currency=raw.currency or "USD",
        )

    def positions(self) -> list[Position]:
        return [_position(raw) for raw in self._call(self._client.get_all_positions)]

    def submit(self, request: OrderRequest) -> Order:
        from alpaca.common.exceptions import APIError

        if request.client_order_id is None:
            request = _with_client_id(request, str(uuid.uuid4()))
        cid = request.client_order_id
        assert cid is not None  # set just above
        try:
            raw = self._client.submit_order(order_to_alpaca(request))
        except APIError as error:
            if _DUPLICATE_MESSAGE in _message(error):
                return self._track(self.get_order_by_client_id(cid))
            raise _translate(error, "submit the order") from None
        except OSError as error:
            raise self._unreachable(error) from None
        return self._track(order_from_alpaca(raw))

    def cancel(self, order_id: str) -> None:
        self._call(lambda: self._client.cancel_order_by_id(order_id), "cancel the order")

    def replace(
        self,
        order_id: str,
        *,
        qty: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        from alpaca.trading.enums import TimeInForce as AlpacaTimeInForce
        from alpaca.trading.requests import ReplaceOrderRequest

        change = ReplaceOrderRequest(
            qty=None if qty is None else int(qty),  # alpaca-py replaces whole shares only
            time_in_force=None if time_in_force is None else AlpacaTimeInForce(str(time_in_force)),
            limit_price=_float(limit_price),
            stop_price=_float(stop_price),
            trail=_float(trail),
            client_order_id=client_order_id,
        )
        raw = self._call(
            lambda: self._client.replace_order_by_id(order_id, change), "replace the order"
        )
        return self._track(order_from_alpaca(raw))

    def get_order(self, order_id: str) -> Order:
        """The order with its legs (a bracket's, OCO's or OTO's exits), as the venue has them."""
        from alpaca.trading.requests import GetOrderByIdRequest

        nested = GetOrderByIdRequest(nested=True)
        return order_from_alpaca(self._call(lambda: self._client.get_order_by_id(order_id, nested)))

    def get_order_by_client_id(self, client_order_id: str) -> Order:
        raw = self._call(lambda: self._client.get_order_by_client_id(client_order_id))
        return order_from_alpaca(raw)

    def orders(
        self, status: OrderStatusFilter = "open", *, symbols: Sequence[str] | None = None
    ) -> list[Order]:
        from alpaca.trading.enums import QueryOrderStatus
        from alpaca.trading.requests import GetOrdersRequest

        query = GetOrdersRequest(
            status=QueryOrderStatus(status),
            limit=500,
            symbols=list(symbols) if symbols else None,
        )
        return [
            order_from_alpaca(raw) for raw in self._call(lambda: self._client.get_orders(query))
        ]

    def events(self) -> list[BrokerEvent]:
        """Order changes and fills since the last call, oldest first, each reported once."""
        listener = self._listener
        if listener is not None:
            for update in listener.drain():
                self._log.streamed(*_from_trade_update(update))
        if listener is None or self._poll_while_streaming:
            self._poll(list(self._log.open_orders()))
            return self._log.drain()
        listening, outages = listener.listening, listener.outages
        # an order the stream has watched without a break since it was last looked at needs
        # no poll; one placed while the stream was away, or open across an outage, does
        missed = [o for o in self._log.open_orders() if self._covered.get(o.id) != outages]
        self._poll(missed if listening else list(self._log.open_orders()))
        if listening:
            self._covered.update((order.id, outages) for order in missed)
        return self._log.drain()

    @property
    def streaming(self) -> bool:
        """The trading stream is on and the venue confirmed it listens."""
        return self._listener is not None and self._listener.listening

    def close(self) -> None:
        """Stop the trading stream, if there is one (polling goes on working)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def _poll(self, orders: list[Order]) -> None:
        for order in orders:
            self._log.polled(self.get_order(order.id))

    # -- plumbing --------------------------------------------------------------------------
    def _venue_clock(self) -> AlpacaClock:
        """Built on first use: a broker that only places orders never opens the data client."""
        if self._clock is None:
            from workbench.adapters.alpaca.clock import AlpacaClock

            self._clock = AlpacaClock(self.config, self._client)
        return self._clock

    def _track(self, order: Order) -> Order:
        """Watch ``order`` and its legs: a bracket's, OCO's or OTO's exits are orders of their
        own at the venue, and their fills (the position closing) must be reported too."""
        for watched in (order, *order.legs):
            self._log.sighted(watched)
            listener = self._listener
            if listener is not None and listener.listening:
                self._covered.setdefault(watched.id, listener.outages)
        return order

    def _call(self, call: Callable[[], T], action: str = "answer") -> T:
        from alpaca.common.exceptions import APIError

        try:
            return call()
        except APIError as error:
            raise _translate(error, action) from None
        except OSError as error:  # requests' ConnectionError is an OSError
            raise self._unreachable(error) from None

    def _unreachable(self, error: OSError) -> Retryable:
        return Retryable(f"cannot reach Alpaca at {self.config.url}: {error}")


# -- requests and answers ------------------------------------------------------------------
def order_to_alpaca(request: OrderRequest) -> Any:
    """The alpaca-py request for ``request`` (its class depends on the order type)."""
    from alpaca.trading import enums
    from alpaca.trading import requests as alpaca

    classes = {
        OrderType.MARKET: alpaca.MarketOrderRequest,
        OrderType.LIMIT: alpaca.LimitOrderRequest,
        OrderType.STOP: alpaca.StopOrderRequest,
        OrderType.STOP_LIMIT: alpaca.StopLimitOrderRequest,
        OrderType.TRAILING_STOP: alpaca.TrailingStopOrderRequest,
    }
    fields: dict[str, Any] = {
        "symbol": request.symbol,
        "side": enums.OrderSide(str(request.side)),
        "time_in_force": enums.TimeInForce(str(request.time_in_force)),
        "extended_hours": request.extended_hours or None,
        "client_order_id": request.client_order_id,
        "qty": _float(request.qty),
        "notional": _float(request.notional),
    }
    for name in _FIELDS_OF_TYPE[request.type]:
        fields[name] = _float(getattr(request, name))
    if request.order_class is not OrderClass.SIMPLE:
        fields["order_class"] = enums.OrderClass(str(request.order_class))
    if request.take_profit_limit_price is not None:
        fields["take_profit"] = alpaca.TakeProfitRequest(
            limit_price=float(request.take_profit_limit_price)
        )
    if request.stop_loss_stop_price is not None:
        fields["stop_loss"] = alpaca.StopLossRequest(stop_price=float(request.stop_loss_stop_price))
    return classes[request.type](**fields)


def order_from_alpaca(raw: Any) -> Order:
    """A ``workbench.model.Order`` from alpaca-py's ``Order`` (strings become Decimal)."""
    request = OrderRequest(
        symbol=raw.symbol,
        side=OrderSide(_value(raw.side)),
        qty=_optional_decimal(raw.qty),
        notional=_optional_decimal(raw.notional),
        type=OrderType(_value(raw.type or raw.order_type)),
        time_in_force=TimeInForce(_value(raw.time_in_force)),
        limit_price=_optional_decimal(raw.limit_price),
        stop_price=_optional_decimal(raw.stop_price),
        trail_percent=_optional_decimal(raw.trail_percent),
        trail_price=_optional_decimal(raw.trail_price),
        order_class=OrderClass(_value(raw.order_class) or "simple"),
        extended_hours=bool(raw.extended_hours),
        client_order_id=raw.client_order_id,
    )
    filled = _optional_decimal(raw.filled_qty) or Decimal(0)
    status = _status(_value(raw.status), filled)
    return Order(
        id=str(raw.id),
        client_order_id=raw.client_order_id,
        request=request,
        status=status,
        created_at=_utc(raw.created_at),
        updated_at=_utc(raw.updated_at or raw.created_at),
        filled_qty=filled,
        filled_avg_price=_optional_decimal(raw.filled_avg_price),
        broker_order_id=str(raw.id),
        legs=tuple(order_from_alpaca(leg) for leg in raw.legs or ()),
    )


def _position(raw: Any) -> Position:
    qty = abs(_decimal(raw.qty))
    return Position(
        symbol=raw.symbol,
        qty=-qty if _value(raw.side) == "short" else qty,
        avg_entry_price=_decimal(raw.avg_entry_price),
        market_price=_optional_decimal(raw.current_price),
    )


def _from_trade_update(update: Any) -> tuple[str, Order, datetime, Execution | None]:
    """(kind, order, time, execution) of alpaca-py's ``TradeUpdate``."""
    execution: Execution | None = None
    if update.qty is not None and update.price is not None:
        execution_id = None if update.execution_id is None else str(update.execution_id)
        execution = (execution_id, _decimal(update.qty), _decimal(update.price))
    return _value(update.event), order_from_alpaca(update.order), _utc(update.timestamp), execution


def _status(value: str, filled: Decimal) -> OrderStatus:
    """Alpaca's status as the model's (a status the model does not know yet reads as
    ``submitted``: the venue has it, its state unknown); a live order with fills is
    ``partially_filled``."""
    status = OrderStatus(value) if value in _MODEL_STATUSES else OrderStatus.SUBMITTED
    return OrderStatus.PARTIALLY_FILLED if status is OrderStatus.NEW and filled > 0 else status


def _translate(error: Any, action: str) -> Exception:
    status = error.status_code
    message = f"Alpaca refused to {action} ({status}): {_message(error)}"
    if status is None or status == 429 or status >= 500:
        return Retryable(message, status=status)
    if status == 404:
        return NotFound(message, status=status)
    return Fatal(message, status=status)


def _message(error: Any) -> str:
    try:
        body = json.loads(str(error))
    except ValueError:
        return str(error)
    return str(body.get("message", body)) if isinstance(body, dict) else str(body)


def _with_client_id(request: OrderRequest, client_order_id: str) -> OrderRequest:
    return dataclasses.replace(request, client_order_id=client_order_id)


def _value(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
