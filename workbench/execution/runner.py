"""The live runner's step: bars up to a decision time -> the strategy's decision -> orders ->
risk gate -> OMS.

A **signal strategy** acts on its last row: an entry with nothing held buys an equal slice of
equity (equity / number of symbols, whole shares, as the backtest's default sizing); an exit
sells what is held; anything else holds. An **allocation strategy** gives target weights, and
the analysis engine's rebalance plan turns them into orders (sells first). Each order's
``client_order_id`` is derived from the run, the decision time, the symbol and the side, so a
step decided again after a crash sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pandas as pd

from workbench.analysis.rebalance import plan_rebalance
from workbench.core.errors import ValidationError
from workbench.execution.ids import decision_client_order_id
from workbench.execution.oms import OrderManager
from workbench.execution.views import SubmitResult
from workbench.model import (
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    TradingState,
    normalize_symbols,
)
from workbench.strategy import AllocationStrategy, Bars, SignalStrategy, Strategy

__all__ = ["Decision", "StepResult", "StrategyRunner"]

_log = logging.getLogger(__name__)
BarsSource = Callable[[Sequence[str], datetime], Bars]


@dataclass(frozen=True)
class Decision:
    """What the strategy decided at ``as_of`` and the orders that carry it out."""

    as_of: datetime
    orders: tuple[OrderRequest, ...]
    #: per symbol: entry/exit for signal strategies, the target weight for allocation ones
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    decision: Decision
    submitted: tuple[SubmitResult, ...] = ()
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.decision.as_of.isoformat(),
            "signals": self.decision.signals,
            "orders": [
                {
                    "symbol": o.symbol,
                    "side": str(o.side),
                    "qty": str(o.qty),
                    "client_order_id": o.client_order_id,
                }
                for o in self.decision.orders
            ],
            "submitted": [r.to_dict() for r in self.submitted],
            "skipped": self.skipped,
        }


class StrategyRunner:
    def __init__(
        self,
        oms: OrderManager,
        strategy: Strategy,
        params: Mapping[str, Any],
        symbols: Sequence[str],
        bars: BarsSource,
        *,
        run_key: str,
        run_id: int | None = None,
        actor: str = "runner",
        first_decision: datetime | None = None,
    ) -> None:
        self.oms = oms
        if not isinstance(strategy, SignalStrategy | AllocationStrategy):
            raise ValidationError(
                f"{strategy!r} cannot be run: subclass workbench.strategy.SignalStrategy "
                "or AllocationStrategy"
            )
        self.strategy = strategy
        self.params = strategy.validate(params)
        self.symbols = normalize_symbols(symbols)
        self.bars = bars
        self.run_key = run_key
        self.run_id = run_id
        self.actor = actor
        #: the run's first decision bar (None: the first one this runner takes); an
        #: allocation strategy rebalances there whatever its schedule, as the backtest does
        self.first_decision = first_decision

    def decide(self, as_of: datetime) -> Decision:
        if self.first_decision is None:
            self.first_decision = as_of
        bars = self.bars(self.symbols, as_of)
        positions = self.oms.ledger_positions()
        cash = self.oms.ledger_cash()
        prices = {s: Decimal(str(bars.close[s].dropna().iloc[-1])) for s in self.symbols}
        if isinstance(self.strategy, SignalStrategy):
            return self._signal_orders(as_of, bars, positions, cash, prices)
        assert isinstance(self.strategy, AllocationStrategy)
        return self._allocation_orders(as_of, bars, positions, cash, prices)

    def step(self, as_of: datetime, *, dry_run: bool = False) -> StepResult:
        """Decide at ``as_of`` and send (unless ``dry_run``). A HALTED account sends nothing;
        REDUCING lets the risk gate pass only the orders that reduce exposure."""
        decision = self.decide(as_of)
        if dry_run:
            return StepResult(decision, skipped="dry run: nothing sent")
        if self.oms.trading_state() is TradingState.HALTED:
            return StepResult(decision, skipped="trading is halted: nothing sent")
        results = []
        for request in decision.orders:
            results.append(
                self.oms.submit(
                    request, actor=self.actor, strategy=self.strategy.name, run_id=self.run_id
                )
            )
        self.oms.process_events(actor=self.actor)
        return StepResult(decision, tuple(results))

    # -- signal strategies -------------------------------------------------------------------
    def _signal_orders(
        self,
        as_of: datetime,
        bars: Bars,
        positions: dict[str, Decimal],
        cash: Decimal,
        prices: dict[str, Decimal],
    ) -> Decision:
        assert isinstance(self.strategy, SignalStrategy)
        latest = self.strategy.latest(bars, self.params)
        equity = cash + sum(
            (positions.get(s, Decimal(0)) * p for s, p in prices.items()), Decimal(0)
        )
        slice_value = equity / len(self.symbols)
        orders, signals = [], {}
        for symbol in self.symbols:
            row = latest.loc[symbol] if symbol in latest.index else pd.Series(dtype=bool)
            entry, exit_ = bool(row.get("entries", False)), bool(row.get("exits", False))
            signals[symbol] = "entry" if entry and not exit_ else "exit" if exit_ else "hold"
            held = positions.get(symbol, Decimal(0))
            if signals[symbol] == "entry" and held == 0:
                qty = (slice_value / prices[symbol]).quantize(Decimal(1), rounding=ROUND_DOWN)
                if qty > 0:
                    orders.append(self._order(as_of, symbol, OrderSide.BUY, qty))
            elif signals[symbol] == "exit" and held > 0:
                orders.append(self._order(as_of, symbol, OrderSide.SELL, held))
        orders.sort(key=lambda o: o.side != OrderSide.SELL)  # sells free cash first
        return Decision(as_of, tuple(orders), signals)

    # -- allocation strategies -----------------------------------------------------------------
    def _allocation_orders(
        self,
        as_of: datetime,
        bars: Bars,
        positions: dict[str, Decimal],
        cash: Decimal,
        prices: dict[str, Decimal],
    ) -> Decision:
        assert isinstance(self.strategy, AllocationStrategy)
        if not _rebalance_due(self.strategy, bars, self.params, self.first_decision):
            return Decision(as_of, (), {"rebalance": "not due"})
        weights = self.strategy.latest(bars, self.params)
        if weights is None:
            return Decision(as_of, (), {"rebalance": "no weights yet (warm-up)"})
        plan = plan_rebalance(
            positions={s: q for s, q in positions.items() if q != 0},
            cash=cash,
            prices={s: float(p) for s, p in prices.items()},
            targets={str(k): float(v) for k, v in weights.items()},
        )
        orders = tuple(self._order(as_of, p.symbol, p.side, p.qty) for p in plan.orders)
        return Decision(as_of, orders, {str(k): round(float(v), 6) for k, v in weights.items()})

    def _order(self, as_of: datetime, symbol: str, side: OrderSide, qty: Decimal) -> OrderRequest:
        cid = decision_client_order_id(
            account=self.oms.account_name,
            strategy=self.strategy.name,
            run_key=self.run_key,
            decided_at=as_of,
            symbol=symbol,
            side=str(side),
        )
        return OrderRequest(
            symbol=symbol,
            side=side,
            qty=qty,
            type=OrderType.MARKET,
            time_in_force=TimeInForce.DAY,
            client_order_id=cid,
        )


def _rebalance_due(
    strategy: AllocationStrategy,
    bars: Bars,
    params: Mapping[str, Any],
    first_decision: datetime | None,
) -> bool:
    """True when the last bar is the run's first decision or opens a new period of the
    strategy's schedule (the same rule the backtest uses)."""
    from workbench.strategy.base import rebalance_mask

    first = 0
    if first_decision is not None:
        first = int(bars.index.searchsorted(pd.Timestamp(first_decision)))
    mask = rebalance_mask(bars, str(params.get("rebalance", "monthly")), first=first)
    return bool(mask[-1]) if len(mask) else False
