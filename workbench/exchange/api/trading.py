"""Trading API v2 routes (alpaca_api.md section 2): account, orders, positions, clock, calendar,
assets, account configuration and portfolio history. Each route reads its input, calls the
engine inside ``exchange.engine()`` and renders the answer; the engine decides everything."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from workbench.core.errors import DataError, WorkbenchError
from workbench.exchange.api import render
from workbench.exchange.api.errors import error_body, status_and_code
from workbench.exchange.api.history import portfolio_history
from workbench.exchange.api.schemas import ConfigurationPatch, OrderCreate, OrderReplace
from workbench.exchange.matching.engine import MatchingEngine
from workbench.exchange.matching.errors import UnknownAsset, UnknownPosition
from workbench.exchange.matching.queries import select_orders
from workbench.exchange.matching.validation import held_for_orders
from workbench.exchange.service import Exchange
from workbench.model import OrderSide
from workbench.model.symbols import normalize_symbols

__all__ = ["router"]

router = APIRouter(prefix="/v2")


def _exchange(request: Request) -> Exchange:
    exchange: Exchange = request.app.state.exchange
    return exchange


def _account_id(request: Request) -> str:
    return str(request.state.account_id)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- account -------------------------------------------------------------------------------
@router.get("/account")
def get_account(request: Request) -> JSONResponse:
    with _exchange(request).engine() as engine:
        return JSONResponse(render.account_json(engine.account(_account_id(request))))


@router.get("/account/configurations")
def get_configurations(request: Request) -> JSONResponse:
    with _exchange(request).engine() as engine:
        config = engine.account_state(_account_id(request)).config
        return JSONResponse(render.config_json(config))


@router.patch("/account/configurations")
def patch_configurations(request: Request, body: ConfigurationPatch) -> JSONResponse:
    with _exchange(request).engine() as engine:
        config = engine.configure(_account_id(request), **body.changes())
        return JSONResponse(render.config_json(config))


@router.get("/account/portfolio/history")
def get_portfolio_history(
    request: Request,
    period: str | None = None,
    timeframe: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    date_end: date | None = None,
) -> JSONResponse:
    exchange = _exchange(request)
    account_id = _account_id(request)
    with exchange.engine() as engine:
        equity_now = engine.account(account_id).equity
        now = engine.clock.now()
    points = exchange.store.equity(account_id)
    body = portfolio_history(
        points,
        now=now,
        equity_now=equity_now,
        base=exchange.config.matching.initial_cash,
        period=period,
        timeframe=timeframe,
        start=_utc(start),
        end=_utc(end),
        date_end=date_end,
    )
    return JSONResponse(body)


# -- orders --------------------------------------------------------------------------------
@router.post("/orders")
def submit_order(request: Request, body: OrderCreate) -> JSONResponse:
    order_request = body.to_request()
    with _exchange(request).engine() as engine:
        ticket = engine.submit(
            _account_id(request), order_request, stop_loss_limit_price=body.stop_loss_limit_price
        )
        return JSONResponse(render.order_json(ticket, engine.book, nested=True))


@router.get("/orders")
def list_orders(
    request: Request,
    status: Literal["open", "closed", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: datetime | None = None,
    until: datetime | None = None,
    direction: Literal["asc", "desc"] = "desc",
    nested: bool = False,
    side: Literal["buy", "sell"] | None = None,
    symbols: str | None = None,
) -> JSONResponse:
    wanted = normalize_symbols(symbols, check=False) if symbols else None
    with _exchange(request).engine() as engine:
        tickets = select_orders(
            engine.book.account_tickets(_account_id(request)),
            status=status,
            limit=limit,
            after=_utc(after),
            until=_utc(until),
            direction=direction,
            side=OrderSide(side) if side else None,
            symbols=wanted,
            nested=nested,
        )
        return JSONResponse([render.order_json(t, engine.book, nested=nested) for t in tickets])


@router.get("/orders:by_client_order_id")
def get_order_by_client_id(request: Request, client_order_id: str) -> JSONResponse:
    with _exchange(request).engine() as engine:
        ticket = engine.book.find_by_client_id(_account_id(request), client_order_id)
        return JSONResponse(render.order_json(ticket, engine.book, nested=True))


@router.get("/orders/{order_id}")
def get_order(request: Request, order_id: str, nested: bool = False) -> JSONResponse:
    with _exchange(request).engine() as engine:
        ticket = engine.book.find(_account_id(request), order_id)
        return JSONResponse(render.order_json(ticket, engine.book, nested=nested))


@router.patch("/orders/{order_id}")
def replace_order(request: Request, order_id: str, body: OrderReplace) -> JSONResponse:
    with _exchange(request).engine() as engine:
        ticket = engine.replace(_account_id(request), order_id, **body.changes())  # type: ignore[arg-type]
        return JSONResponse(render.order_json(ticket, engine.book, nested=True))


@router.delete("/orders/{order_id}", status_code=204)
def cancel_order(request: Request, order_id: str) -> Response:
    with _exchange(request).engine() as engine:
        engine.cancel(_account_id(request), order_id)
    return Response(status_code=204)


@router.delete("/orders")
def cancel_orders(request: Request) -> JSONResponse:
    with _exchange(request).engine() as engine:
        canceled = engine.cancel_all(_account_id(request))
        body = [
            {"id": t.id, "status": 200, "body": render.order_json(t, engine.book)} for t in canceled
        ]
    return JSONResponse(body, status_code=207)


# -- positions -----------------------------------------------------------------------------
def _position_body(engine: MatchingEngine, account_id: str, symbol: str) -> dict[str, Any]:
    value = engine.position(account_id, symbol)
    close = engine.calendar.previous_close(engine.clock.now())
    last = None if close is None else engine.last_trade(symbol, close)
    side = OrderSide.SELL if value.position.qty > 0 else OrderSide.BUY
    held = held_for_orders(engine.book.open_tickets(account_id), symbol, side)
    asset = engine.assets(symbol)
    asset_id = asset.id if asset is not None else ""
    return render.position_json(value, asset_id, None if last is None else last.price, held)


def _symbol_of(exchange: Exchange, symbol_or_asset_id: str) -> str:
    asset = exchange.assets.find(symbol_or_asset_id)
    if asset is None:
        raise UnknownPosition(symbol_or_asset_id)
    return asset.symbol


@router.get("/positions")
def list_positions(request: Request) -> JSONResponse:
    account_id = _account_id(request)
    with _exchange(request).engine() as engine:
        symbols = sorted(engine.account_state(account_id).positions)
        return JSONResponse([_position_body(engine, account_id, s) for s in symbols])


@router.get("/positions/{symbol_or_asset_id}")
def get_position(request: Request, symbol_or_asset_id: str) -> JSONResponse:
    exchange = _exchange(request)
    symbol = _symbol_of(exchange, symbol_or_asset_id)
    with exchange.engine() as engine:
        return JSONResponse(_position_body(engine, _account_id(request), symbol))


@router.delete("/positions/{symbol_or_asset_id}")
def close_position(
    request: Request,
    symbol_or_asset_id: str,
    qty: Decimal | None = None,
    percentage: Decimal | None = None,
) -> JSONResponse:
    exchange = _exchange(request)
    symbol = _symbol_of(exchange, symbol_or_asset_id)
    with exchange.engine() as engine:
        ticket = engine.close_position(_account_id(request), symbol, qty=qty, percentage=percentage)
        return JSONResponse(render.order_json(ticket, engine.book))


@router.delete("/positions")
def close_all_positions(request: Request, cancel_orders: bool = False) -> JSONResponse:
    account_id = _account_id(request)
    body = []
    with _exchange(request).engine() as engine:
        if cancel_orders:
            engine.cancel_all(account_id)
        for symbol in sorted(engine.account_state(account_id).positions):
            try:
                ticket = engine.close_position(account_id, symbol)
            except WorkbenchError as error:
                status, _ = status_and_code(error)
                body.append({"symbol": symbol, "status": status, "body": error_body(error)})
            else:
                order = render.order_json(ticket, engine.book)
                body.append({"symbol": symbol, "status": 200, "order_id": ticket.id, "body": order})
    return JSONResponse(body, status_code=207)


# -- market calendar and assets ------------------------------------------------------------
@router.get("/clock")
def get_clock(request: Request) -> JSONResponse:
    exchange = _exchange(request)
    now = exchange.clock.now()
    calendar = exchange.calendar
    next_open, next_close = calendar.next_open(now), calendar.next_close(now)
    if next_open is None or next_close is None:
        raise DataError(f"the replay clock {now.isoformat()} is past the market calendar's end")
    return JSONResponse(render.clock_json(now, calendar.is_open(now), next_open, next_close))


@router.get("/calendar")
def get_calendar(
    request: Request, start: date | None = None, end: date | None = None
) -> JSONResponse:
    calendar = _exchange(request).calendar
    sessions = calendar.between(start or calendar.first_date, end or calendar.last_date)
    body = []
    for session in sessions:
        # settlement: T+2 until Alpaca's move to T+1 on 2024-05-28
        lag = 1 if session.date >= date(2024, 5, 28) else 2
        settle = session
        for _ in range(lag):
            settle = calendar.session_at_or_after(settle.after_hours_end) or settle
        body.append(render.calendar_json(session, settle))
    return JSONResponse(body)


@router.get("/assets")
def list_assets(
    request: Request,
    status: str | None = None,
    asset_class: str | None = None,
    exchange: str | None = None,
    attributes: str | None = None,
) -> JSONResponse:
    assets = _exchange(request).assets.all()
    chosen = [
        a
        for a in assets
        if (status in (None, "active"))
        and (asset_class in (None, a.asset_class))
        and (exchange in (None, a.exchange))
        and not attributes  # the lake's assets carry no attributes
    ]
    return JSONResponse([render.asset_json(a) for a in chosen])


@router.get("/assets/{symbol_or_asset_id}")
def get_asset(request: Request, symbol_or_asset_id: str) -> JSONResponse:
    asset = _exchange(request).assets.find(symbol_or_asset_id)
    if asset is None:
        raise UnknownAsset(symbol_or_asset_id)
    return JSONResponse(render.asset_json(asset))
