"""Why the matching engine refuses a request. Each refusal is a workbench error, so the paper
broker's callers meet the same hierarchy as everyone else; the exchange's HTTP layer maps each
class once to Alpaca's status and code (``workbench.exchange.api.errors``)::

    Fatal (venue refused: do not retry)
    ├── InvalidOrder              the order breaks a rule of the venue (422)
    ├── DuplicateClientOrderId    client_order_id already used by this account (422)
    ├── OrderNotCancelable        the order is already final (422)
    ├── TradingForbidden          the account or asset may not do this (403)
    │   ├── InsufficientBuyingPower
    │   ├── InsufficientQty       selling/covering more than is held and not reserved
    │   └── WashTrade             could execute against the account's own opposite order
    NotFound
    ├── UnknownAccount            (an account id the engine never opened)
    ├── UnknownOrder              (404 order not found)
    ├── UnknownPosition           (404 position does not exist)
    └── UnknownAsset              (404 asset not found)
"""

from __future__ import annotations

from decimal import Decimal

from workbench.core.errors import Fatal, NotFound

__all__ = [
    "DuplicateClientOrderId",
    "InsufficientBuyingPower",
    "InsufficientQty",
    "InvalidOrder",
    "OrderNotCancelable",
    "TradingForbidden",
    "UnknownAccount",
    "UnknownAsset",
    "UnknownOrder",
    "UnknownPosition",
    "WashTrade",
]


class InvalidOrder(Fatal):
    code = "invalid_order"


class DuplicateClientOrderId(Fatal):
    code = "duplicate_client_order_id"

    def __init__(self, client_order_id: str) -> None:
        super().__init__("client_order_id must be unique", client_order_id=client_order_id)


class OrderNotCancelable(Fatal):
    code = "order_not_cancelable"

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__("order is not cancelable", order_id=order_id, status=status)


class TradingForbidden(Fatal):
    code = "trading_forbidden"


class InsufficientBuyingPower(TradingForbidden):
    code = "insufficient_buying_power"

    def __init__(self, required: Decimal, available: Decimal) -> None:
        super().__init__(
            "insufficient buying power",
            buying_power=_text(available),
            cost_basis=_text(required),
        )


class InsufficientQty(TradingForbidden):
    code = "insufficient_qty"

    def __init__(self, symbol: str, requested: Decimal, existing: Decimal, held: Decimal) -> None:
        available = max(Decimal(0), abs(existing) - held)
        super().__init__(
            f"insufficient qty available for order (requested: {_text(requested)}, "
            f"available: {_text(available)})",
            symbol=symbol,
            available=_text(available),
            existing_qty=_text(existing),
            held_for_orders=_text(held),
        )


class WashTrade(TradingForbidden):
    code = "wash_trade"

    def __init__(self, related: list[str]) -> None:
        super().__init__(
            "potential wash trade detected. use complex orders", related_orders=related
        )


class UnknownAccount(NotFound):
    code = "account_not_found"

    def __init__(self, account_id: str) -> None:
        super().__init__("account not found", account=account_id)


class UnknownOrder(NotFound):
    code = "order_not_found"

    def __init__(self, ref: str) -> None:
        super().__init__("order not found", order=ref)


class UnknownPosition(NotFound):
    code = "position_not_found"

    def __init__(self, symbol: str) -> None:
        super().__init__("position does not exist", symbol=symbol)


class UnknownAsset(NotFound):
    code = "asset_not_found"

    def __init__(self, symbol: str) -> None:
        super().__init__("asset not found", symbol=symbol)


def _text(value: Decimal) -> str:
    """Plain decimal text (no exponent), as Alpaca writes quantities in messages."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
