"""Admin routes for tests and operators: read and move the replay clock, inject faults.

``POST /admin/clock`` takes one of ``{"advance": "1d"}`` (s, m, min, h, d, w; days are calendar
days), ``{"to": "2017-01-04T15:00:00Z"}`` or ``{"to": "open"}`` / ``{"to": "close"}`` (the next
regular open or close), and optionally ``{"speed": 60}`` (0 to ``MAX_SPEED``). Moving the clock
plays the market over the interval before it answers, so resting orders have met every bar that
passed. A step past the calendar's end is refused (422). Every route here needs the admin key
(``api/auth.py``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from workbench.exchange.clock import MAX_SPEED
from workbench.exchange.matching.errors import InvalidOrder
from workbench.exchange.service import Exchange

__all__ = ["ClockChange", "FaultChange", "parse_duration", "router"]

router = APIRouter(prefix="/admin")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour|d|day|w|week)s?\s*$", re.I)
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}
_SECONDS |= {"d": 86400, "day": 86400, "w": 604800, "week": 604800}
_LONGEST_FILL_DELAY = timedelta(days=366)


class FaultChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: float | None = Field(default=None, ge=0, le=60_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    rate_limit_burst: int | None = Field(default=None, ge=0, le=1_000_000)
    fill_delay: str | None = None
    drop_streams: bool = False
    seed: int | None = None


class ClockChange(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    advance: str | None = Field(default=None, max_length=64)
    to: str | None = Field(default=None, max_length=64)
    speed: float | None = Field(default=None, ge=0, le=MAX_SPEED)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise InvalidOrder(f"invalid duration {text!r}: expected e.g. 30s, 15m, 2h, 1d, 1w")
    try:
        return timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2).lower()])
    except OverflowError:
        raise InvalidOrder(f"invalid duration {text!r}: too long") from None


def _exchange(request: Request) -> Exchange:
    exchange: Exchange = request.app.state.exchange
    return exchange


def _clock_body(exchange: Exchange, steps: int = 0) -> dict[str, Any]:
    now = exchange.clock.now()
    return {
        "now": now.isoformat(),
        "is_open": exchange.calendar.is_open(now),
        "speed": exchange.clock.speed,
        "processed_until": exchange.matching.processed_until.isoformat(),
        "steps": steps,
    }


@router.get("/clock")
def get_clock(request: Request) -> JSONResponse:
    return JSONResponse(_clock_body(_exchange(request)))


@router.post("/clock")
def move_clock(request: Request, change: ClockChange) -> JSONResponse:
    exchange = _exchange(request)
    if change.advance is not None and change.to is not None:
        raise InvalidOrder("give advance or to, not both")
    steps = 0
    if change.advance is not None:
        steps = exchange.advance(parse_duration(change.advance))
    elif change.to is not None:
        steps = exchange.move_to(_target(exchange, change.to))
    if change.speed is not None:
        exchange.set_speed(change.speed)
    return JSONResponse(_clock_body(exchange, steps))


def _target(exchange: Exchange, to: str) -> datetime:
    now = exchange.clock.now()
    if to in ("open", "close"):
        found = (exchange.calendar.next_open if to == "open" else exchange.calendar.next_close)(now)
        if found is None:
            raise InvalidOrder(f"no {to} after {now.isoformat()} in the calendar")
        return found
    try:
        moment = datetime.fromisoformat(to.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidOrder(f"invalid time {to!r}: expected ISO 8601, 'open' or 'close'") from None
    if moment.tzinfo is None:
        raise InvalidOrder(f"time {to!r} needs a timezone (e.g. Z)")
    return moment


@router.get("/faults")
def get_faults(request: Request) -> JSONResponse:
    return JSONResponse(_exchange(request).faults.to_dict())


@router.post("/faults")
def set_faults(request: Request, change: FaultChange) -> JSONResponse:
    """See ``workbench.exchange.faults``; ``drop_streams`` hangs up every stream once."""
    exchange = _exchange(request)
    delay = parse_duration(change.fill_delay) if change.fill_delay is not None else None
    if delay is not None and delay > _LONGEST_FILL_DELAY:
        raise InvalidOrder(
            f"fill_delay {change.fill_delay!r} is over {_LONGEST_FILL_DELAY.days} days"
        )
    exchange.inject(
        latency_ms=change.latency_ms,
        error_rate=change.error_rate,
        rate_limit_burst=change.rate_limit_burst,
        fill_delay=delay,
        seed=change.seed,
    )
    dropped = exchange.hub.drop_all() if change.drop_streams else 0
    return JSONResponse({**exchange.faults.to_dict(), "dropped_streams": dropped})


@router.delete("/faults")
def clear_faults(request: Request) -> JSONResponse:
    exchange = _exchange(request)
    exchange.inject(latency_ms=0, error_rate=0, rate_limit_burst=0, fill_delay=timedelta(0))
    return JSONResponse(exchange.faults.to_dict())
