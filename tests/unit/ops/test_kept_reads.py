"""``ops.kept_reads``: a hot read's answer is kept for a moment and dropped by the events that can
change it; concurrent misses share one read; nothing an event overtook or a failed read made is
kept."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from workbench.core import topics
from workbench.core.config import load_settings
from workbench.ops import kept_reads as module
from workbench.ops.kept_reads import KeptReads, kept_reads
from workbench.runtime import Runtime
from workbench.testing import HandClock

pytestmark = pytest.mark.requirement("PRF-01")


class Counted:
    """A read that answers how many times it has run."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_an_answer_is_kept_for_max_age_then_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "REFRESH_AHEAD", 1.0)  # no read ahead: the expiry alone
    clock, read = HandClock(), Counted()
    kept = KeptReads(1.0, clock=clock)

    async def scenario() -> list[int]:
        answers = [await kept.get("account", "positions", read)]
        clock.now += 0.9
        answers.append(await kept.get("account", "positions", read))
        clock.now += 0.2  # 1.1 s after the read began
        answers.append(await kept.get("account", "positions", read))
        return answers

    assert asyncio.run(scenario()) == [1, 1, 2]
    assert (kept.hits, kept.reads) == (1, 2)


def test_an_answer_past_half_its_age_is_read_again_while_it_is_served() -> None:
    clock, read = HandClock(), Counted()
    kept = KeptReads(1.0, clock=clock)

    async def scenario() -> list[int]:
        answers = [await kept.get("account", "positions", read)]
        clock.now += 0.6
        answers.append(await kept.get("account", "positions", read))  # served; read begins
        assert read.calls == 1
        while kept._background:  # the read ahead runs in a worker thread
            await asyncio.sleep(0.01)
        assert read.calls == 2
        clock.now += 0.6  # 1.2 s after the first read, 0.6 s after the second began
        answers.append(await kept.get("account", "positions", read))
        return answers

    assert asyncio.run(scenario()) == [1, 1, 2]
    assert read.calls == 2  # nobody waited on an expired answer


def test_a_read_begun_before_an_event_answers_no_caller_who_came_after_it() -> None:
    started, release = threading.Event(), threading.Event()
    kept = KeptReads(60, clock=HandClock())
    answers = iter(["before the fill", "after the fill"])

    def read() -> str:
        answer = next(answers)
        if answer == "before the fill":
            started.set()
            release.wait(10)
        return answer

    async def scenario() -> list[str]:
        early = asyncio.create_task(kept.get("account", "positions", read))
        await asyncio.to_thread(started.wait, 10)
        kept.changed(topics.FILL)
        late = asyncio.create_task(kept.get("account", "positions", read))
        await asyncio.sleep(0.05)
        release.set()
        return [await early, await late]

    assert asyncio.run(scenario()) == ["before the fill", "after the fill"]


def test_an_event_drops_the_answers_of_the_families_it_can_change_and_no_other() -> None:
    market, account = Counted(), Counted()
    kept = KeptReads(60, clock=HandClock())

    async def scenario() -> list[int]:
        await kept.get("market", "latest", market)
        await kept.get("account", "positions", account)
        kept.changed(topics.FILL)  # an account topic
        kept.changed("no.such.topic")
        return [
            await kept.get("market", "latest", market),
            await kept.get("account", "positions", account),
        ]

    assert asyncio.run(scenario()) == [1, 2]


def test_keys_of_a_family_are_kept_apart() -> None:
    kept = KeptReads(60, clock=HandClock())

    async def scenario() -> list[str]:
        return [
            await kept.get("market", ("latest", "AAPL"), lambda: "aapl"),
            await kept.get("market", ("latest", "MSFT"), lambda: "msft"),
            await kept.get("market", ("latest", "AAPL"), lambda: "read again"),
        ]

    assert asyncio.run(scenario()) == ["aapl", "msft", "aapl"]


def test_concurrent_misses_share_one_read() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        return "answer"

    kept = KeptReads(60, clock=HandClock())

    async def scenario() -> list[str]:
        waiting = [asyncio.create_task(kept.get("account", "positions", slow)) for _ in range(50)]
        await asyncio.to_thread(started.wait, 10)
        await asyncio.sleep(0.05)  # every other caller is waiting on the first read by now
        release.set()
        return list(await asyncio.gather(*waiting))

    assert asyncio.run(scenario()) == ["answer"] * 50
    assert len(calls) == 1


def test_an_answer_an_event_overtook_is_handed_over_but_not_kept() -> None:
    kept = KeptReads(60, clock=HandClock())
    calls: list[int] = []

    def read_while_a_fill_lands() -> int:
        calls.append(1)
        if len(calls) == 1:
            kept.changed(topics.FILL)  # from the publisher's thread, mid-read
        return len(calls)

    async def scenario() -> list[int]:
        return [
            await kept.get("account", "positions", read_while_a_fill_lands),
            await kept.get("account", "positions", read_while_a_fill_lands),
            await kept.get("account", "positions", read_while_a_fill_lands),
        ]

    assert asyncio.run(scenario()) == [1, 2, 2]


def test_a_failed_read_reaches_every_waiter_and_nothing_is_kept() -> None:
    kept = KeptReads(60, clock=HandClock())
    started, release = threading.Event(), threading.Event()

    def failing() -> Any:
        started.set()
        release.wait(10)
        raise LookupError("the ledger is away")

    async def scenario() -> list[BaseException | int]:
        first = asyncio.create_task(kept.get("account", "positions", failing))
        await asyncio.to_thread(started.wait, 10)
        second = asyncio.create_task(kept.get("account", "positions", failing))
        await asyncio.sleep(0.05)
        release.set()
        outcomes = list(await asyncio.gather(first, second, return_exceptions=True))
        return [*outcomes, await kept.get("account", "positions", lambda: 7)]

    first, second, after = asyncio.run(scenario())
    assert isinstance(first, LookupError) and isinstance(second, LookupError)
    assert after == 7


def test_max_age_zero_reads_every_time() -> None:
    read = Counted()
    kept = KeptReads(0, clock=HandClock())

    async def scenario() -> list[int]:
        return [await kept.get("account", "positions", read) for _ in range(3)]

    assert asyncio.run(scenario()) == [1, 2, 3]


def test_the_oldest_answers_go_first_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_ANSWERS", 3)
    kept = KeptReads(60, clock=HandClock())

    async def scenario() -> list[str]:
        for symbol in ("A", "B", "C", "D"):
            await kept.get("market", symbol, lambda symbol=symbol: symbol)
        return [
            await kept.get("market", "A", lambda: "A read again"),
            await kept.get("market", "D", lambda: "D read again"),
        ]

    assert asyncio.run(scenario()) == ["A read again", "D"]


def test_the_runtimes_bus_drops_its_kept_answers(wb_home: Path) -> None:
    read = Counted()
    with Runtime.from_settings(load_settings(home=wb_home)) as rt:
        kept = kept_reads(rt)
        assert kept_reads(rt) is kept  # one per runtime
        assert kept.max_age == rt.settings.api.read_cache_seconds

        async def scenario() -> list[int]:
            answers = [await kept.get("account", "positions", read)]
            rt.bus.publish(topics.QUOTE, {})  # market data: the account stands
            answers.append(await kept.get("account", "positions", read))
            rt.bus.publish(topics.ORDER, {})
            answers.append(await kept.get("account", "positions", read))
            return answers

        assert asyncio.run(scenario()) == [1, 1, 2]
