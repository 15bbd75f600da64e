"""The trading and state-changing tools, registered only when ``Settings.mcp.trading_enabled``
and listed only to callers whose role allows them. Orders are preview-then-confirm."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from workbench.interfaces.mcp.answers import (
    OrderPreview,
    OrderRow,
    StateChange,
    Submitted,
    ToolAnswer,
)
from workbench.interfaces.mcp.face import Face
from workbench.interfaces.mcp.tools_read import Symbol
from workbench.model import Permission
from workbench.ops import trade
from workbench.ops.assistant import calls, trading

__all__ = ["STATE", "TRADING_TOOLS", "register_trading_tools"]

Amount = Annotated[Decimal | None, Field(gt=0, lt=10**12)]
Side = Literal["buy", "sell"]
Kind = Literal["market", "limit", "stop", "stop_limit"]
Tif = Literal["day", "gtc", "opg", "cls", "ioc", "fok"]

PREVIEW = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
SEND = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)
STATE = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)
#: tool name -> the permission it needs (the listing filter reads it)
TRADING_TOOLS: dict[str, Permission] = {
    "order_preview": Permission.TRADE,
    "order_submit": Permission.TRADE,
    "order_cancel": Permission.TRADE,
    "trading_state_set": Permission.SET_TRADING_STATE,
    "alerts_acknowledge": Permission.MANAGE_ALERT_RULES,
    "alerts_create_rule": Permission.MANAGE_ALERT_RULES,
}


def register_trading_tools(server: MCPServer[Any], face: Face) -> None:
    tool = server.tool
    rt = face.runtime

    @tool(title="Preview an order", annotations=PREVIEW)
    def order_preview(
        ctx: Context,
        symbol: Symbol,
        side: Side,
        qty: Amount = None,
        notional: Amount = None,
        type: Kind = "market",
        limit_price: Amount = None,
        stop_price: Amount = None,
        time_in_force: Tif = "day",
    ) -> ToolAnswer[OrderPreview]:
        """What the risk gate says of an order (every check), its estimated value and cost,
        and, when approved, a single-use confirmation_token bound to exactly this order and
        expiring in minutes: order_submit needs it. Nothing is sent. Give qty or notional."""
        args = _order_args(locals())
        return face.run(
            ToolAnswer[OrderPreview],
            ctx,
            "order_preview",
            args,
            lambda p: trading.preview(rt, _request(args), actor=calls.actor_of(p)),
            permission=Permission.TRADE,
            trading=True,
        )

    @tool(title="Submit a previewed order", annotations=SEND)
    def order_submit(
        ctx: Context,
        confirmation_token: Annotated[str, Field(min_length=8, max_length=128)],
        symbol: Symbol,
        side: Side,
        qty: Amount = None,
        notional: Amount = None,
        type: Kind = "market",
        limit_price: Amount = None,
        stop_price: Amount = None,
        time_in_force: Tif = "day",
    ) -> ToolAnswer[Submitted]:
        """Send the order order_preview approved, with its confirmation_token and exactly the
        same fields. A token is spent by one submit; a changed order, a used or an expired
        token is refused. A repeated submit never sends the order twice."""
        args = _order_args(locals())
        return face.run(
            ToolAnswer[Submitted],
            ctx,
            "order_submit",
            {**args, "confirmation_token": confirmation_token},
            lambda p: trading.submit(
                rt, _request(args), confirmation_token, actor=calls.actor_of(p)
            ),
            permission=Permission.TRADE,
            trading=True,
        )

    @tool(title="Cancel an order", annotations=STATE)
    def order_cancel(
        ctx: Context,
        reference: Annotated[str, Field(min_length=1, max_length=128, description="id or cid")],
    ) -> ToolAnswer[OrderRow]:
        """Cancel an open order by ledger id or client order id."""
        return face.run(
            ToolAnswer[OrderRow],
            ctx,
            "order_cancel",
            {"reference": reference},
            lambda p: trading.cancel(rt, reference, actor=calls.actor_of(p)),
            permission=Permission.TRADE,
            trading=True,
        )

    @tool(title="Set the trading state", annotations=STATE)
    def trading_state_set(
        ctx: Context,
        state: Literal["halt", "reduce", "resume"],
        reason: Annotated[str | None, Field(max_length=200)] = None,
    ) -> ToolAnswer[list[StateChange]]:
        """The kill switch: halt (nothing goes out, open orders canceled), reduce (only orders
        that shrink positions) or resume (back to active), for every account."""
        return face.run(
            ToolAnswer[list[StateChange]],
            ctx,
            "trading_state_set",
            {"state": state, "reason": reason},
            lambda p: trading.set_state(rt, state, reason, actor=calls.actor_of(p)),
            permission=Permission.SET_TRADING_STATE,
            trading=True,
        )


_ORDER_FIELDS = (
    "symbol",
    "side",
    "qty",
    "notional",
    "type",
    "limit_price",
    "stop_price",
    "time_in_force",
)


def _order_args(given: dict[str, Any]) -> dict[str, Any]:
    return {name: given[name] for name in _ORDER_FIELDS}


def _request(args: dict[str, Any]) -> Any:
    return trade.order_request(**args)
