"""Request bodies of the Trading API, as alpaca-py sends them (alpaca_api.md 2.2.1, 2.5, 2.8).

alpaca-py sends quantities and prices as JSON numbers (``"qty": 1.0``); other clients send
numeric strings. Both become Decimals here (pydantic reads a float through its shortest repr,
so ``190.25`` is ``Decimal("190.25")``). Unknown keys are ignored, as Alpaca does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workbench.exchange.matching.errors import InvalidOrder
from workbench.model import OrderClass, OrderRequest, OrderSide, OrderType, TimeInForce
from workbench.model.symbols import normalize_symbol

__all__ = ["ConfigurationPatch", "OrderCreate", "OrderReplace", "StopLoss", "TakeProfit"]

Amount = Decimal


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class TakeProfit(_Body):
    limit_price: Amount


class StopLoss(_Body):
    stop_price: Amount
    limit_price: Amount | None = None


class OrderCreate(_Body):
    symbol: str | None = None
    qty: Amount | None = None
    notional: Amount | None = None
    side: Literal["buy", "sell"] | None = None
    type: Literal["market", "limit", "stop", "stop_limit", "trailing_stop"] = "market"
    time_in_force: Literal["day", "gtc", "opg", "cls", "ioc", "fok"]
    order_class: Literal["simple", "bracket", "oco", "oto", ""] | None = None
    extended_hours: bool = False
    client_order_id: str | None = Field(default=None, max_length=128)
    limit_price: Amount | None = None
    stop_price: Amount | None = None
    trail_price: Amount | None = None
    trail_percent: Amount | None = None
    take_profit: TakeProfit | None = None
    stop_loss: StopLoss | None = None
    position_intent: (
        Literal["buy_to_open", "buy_to_close", "sell_to_open", "sell_to_close"] | None
    ) = None

    def to_request(self) -> OrderRequest:
        """The one order vocabulary's request; Alpaca's messages for what it refuses."""
        if not self.symbol:
            raise InvalidOrder("symbol is required")
        if self.side is None:
            raise InvalidOrder("side is required")
        if self.qty is not None and self.notional is not None:
            raise InvalidOrder("only one of qty or notional can be specified")
        if self.qty is None and self.notional is None:
            raise InvalidOrder("qty or notional is required")
        limit_price = self.limit_price
        klass = OrderClass(self.order_class or "simple")
        if klass is OrderClass.OCO and limit_price is None and self.take_profit is not None:
            limit_price = self.take_profit.limit_price
        amounts: dict[str, Decimal | None] = {
            "qty": self.qty,
            "notional": self.notional,
            "limit_price": limit_price,
            "stop_price": self.stop_price,
            "trail_price": self.trail_price,
            "trail_percent": self.trail_percent,
            "take_profit.limit_price": self.take_profit.limit_price if self.take_profit else None,
            "stop_loss.stop_price": self.stop_loss.stop_price if self.stop_loss else None,
            "stop_loss.limit_price": self.stop_loss_limit_price,
        }
        for name, amount in amounts.items():
            if amount is not None and amount <= 0:
                raise InvalidOrder(f"{name} must be > 0")
        return OrderRequest(
            symbol=normalize_symbol(self.symbol, check=False),
            side=OrderSide(self.side),
            qty=self.qty,
            notional=self.notional,
            type=OrderType(self.type),
            time_in_force=TimeInForce(self.time_in_force),
            limit_price=limit_price,
            stop_price=self.stop_price,
            trail_percent=self.trail_percent,
            trail_price=self.trail_price,
            order_class=klass,
            take_profit_limit_price=self.take_profit.limit_price if self.take_profit else None,
            stop_loss_stop_price=self.stop_loss.stop_price if self.stop_loss else None,
            extended_hours=self.extended_hours,
            client_order_id=self.client_order_id or None,
        )

    @property
    def stop_loss_limit_price(self) -> Decimal | None:
        return None if self.stop_loss is None else self.stop_loss.limit_price


class OrderReplace(_Body):
    qty: Amount | None = None
    time_in_force: Literal["day", "gtc", "opg", "cls", "ioc", "fok"] | None = None
    limit_price: Amount | None = None
    stop_price: Amount | None = None
    trail: Amount | None = None
    client_order_id: str | None = Field(default=None, max_length=128)

    def changes(self) -> dict[str, object]:
        for name in ("qty", "limit_price", "stop_price", "trail"):
            amount = getattr(self, name)
            if amount is not None and amount <= 0:
                raise InvalidOrder(f"{name} must be > 0")
        return {
            "qty": self.qty,
            "time_in_force": TimeInForce(self.time_in_force) if self.time_in_force else None,
            "limit_price": self.limit_price,
            "stop_price": self.stop_price,
            "trail": self.trail,
            "client_order_id": self.client_order_id or None,
        }


class ConfigurationPatch(_Body):
    """alpaca-py PATCHes every field, unset ones as null: nulls change nothing."""

    fractional_trading: bool | None = None
    max_margin_multiplier: Literal["1", "2", "4", 1, 2, 4] | None = None
    no_shorting: bool | None = None
    suspend_trade: bool | None = None
    trade_confirm_email: Literal["all", "none"] | None = None
    ptp_no_exception_entry: bool | None = None
    dtbp_check: Literal["both", "entry", "exit"] | None = None
    pdt_check: Literal["both", "entry", "exit"] | None = None
    max_options_trading_level: int | None = None

    def changes(self) -> dict[str, object]:
        values = self.model_dump()
        if values["max_margin_multiplier"] is not None:
            values["max_margin_multiplier"] = int(values["max_margin_multiplier"])
        return values
