"""Limits on the orders of one kind of actor (``risk.actors``, docs/risk.md).

An actor is written ``<kind>:<name>`` (``cli:alice``, ``api:bob``, ``mcp:alice``); the kind
before the colon picks the limits. ``risk.actors.mcp`` is what an AI assistant's orders meet
on top of the account's limits: how many orders a day, how much per order and per day, which
symbols, and whether a trader must approve each one before it goes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import NoDecode

from workbench.core.symbol_lists import clean_symbols, symbols_from_text

__all__ = ["ACTOR_KIND", "ActorLimits", "ActorScope", "actor_kind", "default_actor_limits"]

#: what may stand before the colon of an actor, and so name a ``risk.actors`` entry
ACTOR_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class ActorLimits(BaseModel):
    """None (or an empty symbol list) switches a limit off. Money is in the account's
    currency; a day is the venue's trading day (New York time, as the daily loss limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_orders_per_day: int | None = Field(default=None, ge=1)
    max_order_notional: Decimal | None = Field(default=None, gt=0)
    max_notional_per_day: Decimal | None = Field(default=None, gt=0)
    #: only these symbols; empty: any. A list, or in the environment JSON or comma-separated
    allowed_symbols: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: hold each order (after the gate passed it) until a trader approves or rejects it
    require_approval: bool = False
    #: how long a held order waits for a trader; None: until the end of its trading day
    approval_ttl_minutes: float | None = Field(default=None, gt=0, le=24 * 60)

    @field_validator("allowed_symbols", mode="before")
    @classmethod
    def _split_symbols(cls, symbols: Any) -> Any:
        return symbols_from_text(symbols)

    @field_validator("allowed_symbols")
    @classmethod
    def _upper_case_symbols(cls, symbols: list[str]) -> list[str]:
        return clean_symbols(symbols, "an allowed symbol")

    @property
    def limits_anything(self) -> bool:
        return (
            self.max_orders_per_day is not None
            or self.max_order_notional is not None
            or self.max_notional_per_day is not None
            or bool(self.allowed_symbols)
        )


@dataclass(frozen=True, slots=True)
class ActorScope:
    """The limits that apply to one order's actor: ``kind`` names them (``mcp``), and the
    orders counted toward the day are those whose actor starts with ``prefix`` (``mcp:``)."""

    kind: str
    limits: ActorLimits

    @property
    def prefix(self) -> str:
        return f"{self.kind}:"

    @property
    def setting(self) -> str:
        """Where the limits are configured, as the gate's messages name them."""
        return f"risk.actors.{self.kind}"


def actor_kind(actor: str | None) -> str | None:
    """``mcp`` of ``mcp:alice``; None for an actor without a kind (``runner``, ``broker``)."""
    if actor is None or ":" not in actor:
        return None
    return actor.split(":", 1)[0].lower()


def default_actor_limits() -> dict[str, ActorLimits]:
    """An assistant starts capped: 20 orders, 10,000 an order and 50,000 a day."""
    return {
        "mcp": ActorLimits(
            max_orders_per_day=20,
            max_order_notional=Decimal(10_000),
            max_notional_per_day=Decimal(50_000),
        )
    }
