"""Use cases of strategy runs: a replayed paper run over history, a live run on the configured
broker, their summaries, and the backtest/paper parity report.

A **paper run** replays sessions on its own paper book (``<home>/runs/<id>/paper.db``) and
its own ledger account (``paper-run-<id>``), so any number of runs, over any dates, never
disturb each other or the paper account people trade by hand. A **live run** trades the
configured broker's account (``WB_BROKER``) on a wall-clock schedule. Both record a ``runs``
row (kind ``paper`` or ``live``) with a cursor, so ``--run-id`` resumes a stopped run, and
their orders' ``client_order_id`` come from the decision, so a resumed run sends nothing
twice.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.core.errors import NotFound, ValidationError
from workbench.data import bars_dataset
from workbench.exchange.matching.market import Session
from workbench.exchange.sessions import ExchangeCalendar, exchange_calendar
from workbench.execution import (
    EquityPoint,
    OrderManager,
    StepResult,
    StrategyRunner,
    order_manager_for,
    replay_sessions,
)
from workbench.ledger import RunRow
from workbench.model import validate_period
from workbench.model.symbols import normalize_symbols
from workbench.ops.run_records import (
    finish_run,
    new_run,
    record_opening,
    run_folder,
    run_row,
    save_progress,
)
from workbench.ops.run_summary import RunSummary, run_summary
from workbench.ops.strategy import load_bars
from workbench.strategy import Bars, get_strategy

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "DEFAULT_SESSIONS",
    "RunSummary",
    "dry_run",
    "live_run",
    "next_cycle_at",
    "paper_run",
    "run_summary",
    "strategy_run",
]

#: how many sessions a paper run replays when no start is given
DEFAULT_SESSIONS = 20
SessionCallback = Callable[[Session, StepResult, EquityPoint], None]


def strategy_run(
    rt: Runtime,
    name: str | None = None,
    symbols: Sequence[str] = (),
    *,
    params: Mapping[str, object] | None = None,
    start: date | None = None,
    end: date | None = None,
    sessions: int | None = None,
    every: str = "1d",
    cycles: int | None = None,
    run_id: int | None = None,
    actor: str = "runner",
    on_session: SessionCallback | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> RunSummary:
    """A strategy run on the configured venue: on one whose time moves only when a run moves
    it (the paper book), a replay of past sessions (``start``, ``end``, ``sessions``); else a
    live run on the venue's clock (``every``, ``cycles``)."""
    if rt.venue.replays:
        return paper_run(
            rt,
            name,
            symbols,
            params=params,
            start=start,
            end=end,
            sessions=sessions,
            run_id=run_id,
            actor=actor,
            on_session=on_session,
            should_stop=should_stop,
        )
    return live_run(
        rt,
        name,
        symbols,
        params=params,
        every=every,
        cycles=cycles,
        run_id=run_id,
        actor=actor,
        on_step=on_step,
        should_stop=should_stop,
    )


# -- paper runs -------------------------------------------------------------------------------
def paper_run(
    rt: Runtime,
    name: str | None = None,
    symbols: Sequence[str] = (),
    *,
    params: Mapping[str, object] | None = None,
    start: date | None = None,
    end: date | None = None,
    sessions: int | None = None,
    run_id: int | None = None,
    actor: str = "runner",
    on_session: SessionCallback | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> RunSummary:
    """Replay ``name`` over sessions ``start``..``end`` (default: the last ``sessions`` the
    stock panel has) on a fresh paper book; with ``run_id``, resume that run instead."""
    calendar = exchange_calendar()
    if run_id is not None:
        run = run_row(rt, run_id, kind="paper")
        name, symbols, params = run.strategy, list(run.symbols), dict(run.params["strategy"])
        start, end = date.fromisoformat(run.params["start"]), date.fromisoformat(run.params["end"])
    else:
        if name is None or not symbols:
            raise ValidationError("a paper run needs a strategy name and --symbols")
        validate_period(start, end)
        strategy = get_strategy(name)
        params = strategy.validate(params)
        _check_symbols(rt, symbols)
        start, end = _span(rt, calendar, start, end, sessions)
        run = new_run(rt, "paper", name, symbols, params, {"start": str(start), "end": str(end)})
    all_sessions = calendar.between(start, end)
    if not all_sessions:
        raise ValidationError(f"no trading sessions between {start} and {end}")
    folder = run_folder(rt, run.id)
    paper = rt.replay_broker(folder / "paper.db", start=all_sessions[0].date)
    try:
        oms = order_manager_for(rt, paper, account=f"paper-run-{run.id}")
        record_opening(rt, run.id, paper.account().equity)
        oms.recover(actor=actor)
        done = run.params.get("cursor")
        todo = [s for s in all_sessions if done is None or s.date > date.fromisoformat(done)]
        previous = _previous_sessions(calendar, all_sessions)
        # the decision for the first session, taken at the close before it
        first = pd.Timestamp(previous[all_sessions[0].date]).to_pydatetime()
        runner = _runner(rt, oms, run, actor, first_decision=first)

        def after_session(session: Session, step: StepResult, point: EquityPoint) -> None:
            save_progress(rt, run.id, folder, session.date, step, point)
            if on_session is not None:
                on_session(session, step, point)

        outcome = replay_sessions(
            runner,
            paper,
            todo,
            previous=previous,
            on_session=after_session,
            should_stop=should_stop,
        )
        finish_run(rt, run.id, "canceled" if outcome.stopped_early else "succeeded")
    except BaseException as error:
        finish_run(rt, run.id, "failed", error=str(error) or type(error).__name__)
        raise
    finally:
        paper.close()
    return run_summary(rt, run.id)


def dry_run(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    *,
    params: Mapping[str, object] | None = None,
) -> StepResult:
    """What a new run of the strategy would send now on the configured broker (its first
    decision); nothing is sent or kept."""
    oms = rt.oms
    as_of = _last_complete_bar(rt, symbols, oms.now())
    runner = StrategyRunner(
        oms,
        get_strategy(name),
        dict(params or {}),
        symbols,
        _bars_source(rt),
        run_key="dry-run",
    )
    return runner.step(as_of, dry_run=True)


# -- live runs --------------------------------------------------------------------------------
def live_run(
    rt: Runtime,
    name: str | None = None,
    symbols: Sequence[str] = (),
    *,
    params: Mapping[str, object] | None = None,
    every: str = "1d",
    cycles: int | None = None,
    run_id: int | None = None,
    actor: str = "runner",
    on_step: Callable[[StepResult], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> RunSummary:
    """Trade the configured broker: reconcile, then each ``every`` decide on the last complete
    bar and send, until ``cycles`` are done or ``should_stop`` says so."""
    if every not in ("1d", "1m"):
        raise ValidationError(f"--every must be 1d or 1m, got {every!r}")
    from workbench.execution import reconcile

    if run_id is None:  # bad input fails before anything is built or recorded
        if name is None or not symbols:
            raise ValidationError("a live run needs a strategy name and --symbols")
        params = get_strategy(name).validate(params)
        _check_symbols(rt, symbols)
    oms, streaming = _live_order_manager(rt)  # so does a broker that cannot be built
    try:
        if run_id is not None:
            run = run_row(rt, run_id, kind="live")
            name, symbols = run.strategy, list(run.symbols)
            every = str(run.params.get("every", every))
        else:
            assert name is not None
            run = new_run(rt, "live", name, symbols, dict(params or {}), {"every": every})
    except BaseException:
        if streaming is not None:
            streaming.close()
        raise
    try:
        reconcile(oms, actor=actor)
        record_opening(rt, run.id, oms.broker.account().equity)
        # a resumed run keeps its first decision (the bar of its first equity reading)
        decided = (run.metrics or {}).get("equity", [])
        first = pd.Timestamp(decided[0][0]).to_pydatetime() if decided else None
        runner = _runner(rt, oms, run, actor, first_decision=first)
        done = 0
        while not should_stop() and (cycles is None or done < cycles):
            if done:
                reconcile(oms, actor=actor)  # periodically: before every decision
            decided_at = oms.now()
            as_of = _last_complete_bar(rt, runner.symbols, decided_at)
            step = runner.step(as_of)
            # the venue's equity as the cycle decides: the close of the bar it decided on
            held = oms.broker.account()
            point = EquityPoint(as_of.date(), held.equity, held.cash)
            save_progress(rt, run.id, run_folder(rt, run.id), as_of.date(), step, point)
            if on_step is not None:
                on_step(step)
            done += 1
            if cycles is not None and done >= cycles:
                break
            _wait(oms, next_cycle_at(decided_at, every, oms.context.calendar), should_stop, sleep)
        finish_run(rt, run.id, "canceled" if should_stop() else "succeeded")
    except BaseException as error:
        finish_run(rt, run.id, "failed", error=str(error) or type(error).__name__)
        raise
    finally:
        if streaming is not None:
            streaming.close()
    return run_summary(rt, run.id)


def _check_symbols(rt: Runtime, symbols: Sequence[str]) -> None:
    """Refuse unknown symbols before a run is recorded (the lake's daily bars say which)."""
    known = set(rt.data.symbols(bars_dataset("1d")))
    unknown = sorted(set(normalize_symbols(symbols)) - known)
    if unknown:
        raise NotFound(
            f"no daily bars for {', '.join(unknown)} in the lake: see `workbench data list`",
            symbols=unknown,
        )


def _live_order_manager(rt: Runtime) -> tuple[OrderManager, Any]:
    """The OMS a live run trades through: over a broker of its own when the venue has one for
    long-running loops (Alpaca's listens to ``TradingStream``; the caller closes it), else the
    runtime's."""
    broker = rt.live_broker()
    if broker is None:
        return rt.oms, None
    return order_manager_for(rt, broker, account=rt.account_name), broker


def next_cycle_at(decided_at: datetime, every: str, calendar: ExchangeCalendar) -> datetime:
    """When the cycle after one that began at ``decided_at`` runs: a daily run at the pre-open
    minute of the next session that cycle did not trade (one that began at a pre-open minute
    traded that morning's bell), a minute run at the next minute.

    Counted from the cycle's start, not from when its wait begins: a clock that passes a
    pre-open while the cycle decides (a replay stepped, or a slow cycle at 9:28:59) would
    otherwise have the run sleep through a whole session.
    """
    if every == "1m":
        return decided_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    opening = calendar.next_open(decided_at)
    while opening is not None and opening - timedelta(minutes=1) <= decided_at:
        opening = calendar.next_open(opening)
    return (opening or decided_at + timedelta(days=1)) - timedelta(minutes=1)


def _wait(
    oms: OrderManager,
    target: datetime,
    should_stop: Callable[[], bool],
    sleep: Callable[[float], None],
) -> None:
    """Until the venue's clock reaches ``target``, asking ``should_stop`` at least every second."""
    while not should_stop() and oms.now() < target:
        sleep(1.0)


# -- helpers ----------------------------------------------------------------------------------
def _runner(
    rt: Runtime,
    oms: OrderManager,
    run: RunRow,
    actor: str,
    *,
    first_decision: datetime | None = None,
) -> StrategyRunner:
    return StrategyRunner(
        oms,
        get_strategy(run.strategy),
        dict(run.params["strategy"]),
        list(run.symbols),
        _bars_source(rt),
        run_key=str(run.id),
        run_id=run.id,
        actor=actor,
        first_decision=first_decision,
    )


def _bars_source(rt: Runtime) -> Callable[[Sequence[str], datetime], Bars]:
    def bars(symbols: Sequence[str], as_of: datetime) -> Bars:
        return load_bars(rt, symbols, None, as_of.date())

    return bars


def _span(
    rt: Runtime,
    calendar: Any,
    start: date | None,
    end: date | None,
    sessions: int | None,
) -> tuple[date, date]:
    last = end or rt.last_replay_session()
    if start is None:
        count = sessions or DEFAULT_SESSIONS
        history = calendar.between(date(last.year - 2, 1, 1), last)
        if len(history) < count:
            raise ValidationError(f"fewer than {count} sessions before {last}")
        start = history[-count].date
    if start > last:
        raise ValidationError(f"--start {start} is after --end {last}")
    return start, last


def _previous_sessions(calendar: Any, sessions: list[Session]) -> dict[date, date]:
    before = calendar.between(sessions[0].date - timedelta(days=10), sessions[0].date)
    days = [s.date for s in before if s.date < sessions[0].date][-1:] + [s.date for s in sessions]
    return {later: earlier for earlier, later in itertools.pairwise(days)}


def _last_complete_bar(rt: Runtime, symbols: Sequence[str], now: datetime) -> datetime:
    """The last daily bar in the lake that had closed by ``now``."""
    calendar = exchange_calendar()
    closed = calendar.previous_close(now)
    if closed is None:
        raise NotFound(f"no session had closed by {now:%Y-%m-%d %H:%M}")
    frame = rt.data.bars(list(symbols), None, closed.date())
    if frame.empty:
        raise NotFound(f"no bars for {', '.join(symbols)} up to {closed:%Y-%m-%d}")
    stamp = pd.Timestamp(frame["timestamp"].max())
    day = stamp.tz_convert("America/New_York").date() if stamp.tzinfo else stamp.date()
    return pd.Timestamp(day).to_pydatetime()
