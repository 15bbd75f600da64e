"""A replayed trading run on a replay broker (a paper book): the live runner, session by
session, over history.

Each session goes: the replay clock stands a minute before the open bell; the runner decides
on the bars up to the previous close and sends its orders (they queue for the open, as Alpaca
queues them); the clock moves past the close, so market orders fill at the open with the fill
model's spread and slippage and day orders left over expire; the OMS books what happened and
the account's equity is recorded. That is the backtest's ``next_open`` execution, played
through the risk gate, the OMS and the matching engine instead of vectorbt.

The run keeps a cursor (the last session done) in its ``runs`` row, and its paper book in a
file, so a run stopped at any point resumes where it was, sending nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from workbench.adapters.ports import ReplayBroker
from workbench.exchange.matching.market import Session
from workbench.execution.runner import StepResult, StrategyRunner

__all__ = ["EquityPoint", "ReplayOutcome", "replay_sessions"]

_log = logging.getLogger(__name__)
BEFORE_OPEN = timedelta(minutes=1)
AFTER_CLOSE = timedelta(minutes=1)


@dataclass(frozen=True)
class EquityPoint:
    session: date
    equity: Decimal
    cash: Decimal

    def to_list(self) -> list[str]:
        return [self.session.isoformat(), str(self.equity), str(self.cash)]


@dataclass
class ReplayOutcome:
    steps: list[StepResult] = field(default_factory=list)
    equity: list[EquityPoint] = field(default_factory=list)
    stopped_early: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": len(self.equity),
            "equity": [point.to_list() for point in self.equity],
            "stopped_early": self.stopped_early,
        }


def replay_sessions(
    runner: StrategyRunner,
    replay: ReplayBroker,
    sessions: list[Session],
    *,
    previous: dict[date, date],
    on_session: Callable[[Session, StepResult, EquityPoint], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ReplayOutcome:
    """Play ``sessions`` in order. ``previous`` maps each session to the one before it (the
    decision bar). ``on_session`` runs after each one (the caller saves its cursor there);
    ``should_stop`` is asked between sessions (SIGINT/SIGTERM end a run after the session
    under way, never in the middle of one)."""
    outcome = ReplayOutcome()
    oms = runner.oms
    for session in sessions:
        if should_stop():
            outcome.stopped_early = True
            break
        pre_open = session.open - BEFORE_OPEN
        if replay.now() < pre_open:
            replay.move_to(pre_open)
        oms.process_events(actor=runner.actor)
        decided = _decision_time(previous[session.date])
        step = runner.step(decided)
        replay.move_to(max(replay.now(), session.close + AFTER_CLOSE))
        oms.process_events(actor=runner.actor)
        account = replay.account()
        point = EquityPoint(session.date, account.equity, account.cash)
        outcome.steps.append(step)
        outcome.equity.append(point)
        if on_session is not None:
            on_session(session, step, point)
    return outcome


def _decision_time(day: date) -> Any:
    """The decision bar's timestamp as the strategy engine indexes daily bars (session date,
    tz-naive midnight)."""
    import pandas as pd

    return pd.Timestamp(day).to_pydatetime()
