"""Answers to hot reads kept in memory for a moment, so that a hundred clients polling the same
positions or the same latest bars cost one ledger or lake read, not a hundred.

An answer belongs to a *family* (``account``: positions, the account, the risk gate's view of
it; ``market``: the lake's latest bars), and is dropped:

- at once, when this process's bus carries a topic that can change its family (an order, a
  fill, the trading state, a reconciliation): a client that submits an order through this
  process and reads its positions next sees the fill (the bus runs handlers in the publisher's
  thread, before the submit answers);
- at once, when another process's event of such a topic arrives through Redis (the hub hands
  every relayed event to ``changed``), with ``WB_REDIS_URL`` set;
- in any case ``api.read_cache_seconds`` after it was read (1 s by default; 0 keeps nothing),
  which bounds what a change no event announces can be missed by: an order placed by another
  process without Redis, a lake written by ``data ingest``, a resting paper order the replay
  fills as its clock moves.

Concurrent misses of one answer share one read (the first caller reads in a worker thread, the
others wait for it), and an answer that an event overtook while it was being read is handed to
its callers but not kept. Only answers that are the same for every caller allowed to ask belong
here: the permission check runs before, per request. Hand-written: the libraries for this
(cachetools, aiocache) keep by time or size, not by the bus's topics with single-flight reads.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from anyio.to_thread import run_sync

from workbench.core import topics

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from workbench.runtime import Runtime

__all__ = ["FAMILIES", "KEPT", "KeptReads", "kept", "kept_reads", "register_metrics"]

T = TypeVar("T")
_log = logging.getLogger(__name__)

#: what each family's answers depend on, as the bus's topics that announce a change
FAMILIES: Mapping[str, frozenset[str]] = {
    "account": frozenset(
        {
            topics.ORDER,
            topics.ORDER_REJECTED,
            topics.FILL,
            topics.TRADING_STATE,
            topics.RECONCILIATION,
        }
    ),
    "market": frozenset({topics.BAR}),
}
#: what a route's summary says of an answer kept so (the OpenAPI document shows it)
KEPT = " (kept for every caller up to api.read_cache_seconds)"
#: past this fraction of ``max_age`` a served answer is read again in the background
REFRESH_AHEAD = 0.5
#: answers kept at most, over every family (the oldest go first)
MAX_ANSWERS = 1024


@dataclass(frozen=True)
class _Answer:
    value: Any
    read_at: float
    generation: int


class _Reading:
    """One read under way: the callers that asked meanwhile wait for its outcome."""

    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class KeptReads:
    def __init__(
        self,
        max_age: float,
        families: Mapping[str, frozenset[str]] = FAMILIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age, self.families, self.clock = max_age, families, clock
        self._generation = dict.fromkeys(families, 0)
        self._answers: OrderedDict[tuple[str, Hashable], _Answer] = OrderedDict()
        #: reads under way, by family, key and the generation they began in
        self._readings: dict[tuple[str, Hashable, int], _Reading] = {}
        self._background: set[asyncio.Task[Any]] = set()
        # the bus calls ``changed`` from any thread; the loop reads the generations
        self._lock = threading.Lock()
        self.hits = self.reads = 0

    def changed(self, topic: str) -> None:
        """An event of ``topic`` happened: drop the answers of every family it can change."""
        with self._lock:
            for family, announcing in self.families.items():
                if topic in announcing:
                    self._generation[family] += 1

    def topics(self) -> Iterable[str]:
        return sorted(set().union(*self.families.values()))

    async def get(self, family: str, key: Hashable, read: Callable[[], T]) -> T:
        """The kept answer of ``(family, key)`` while fresh; else ``read()`` in a worker thread
        (once, however many callers ask meanwhile). An answer past half its age is read again
        in the background while it is still served, so that callers do not all wait on the
        read when it expires."""
        if self.max_age <= 0:
            return await run_sync(read)
        generation = self._generation[family]
        slot = (family, key)
        kept = self._answers.get(slot)
        if kept is not None and kept.generation == generation:
            age = self.clock() - kept.read_at
            if age < self.max_age:
                self.hits += 1
                if (
                    age >= self.max_age * REFRESH_AHEAD
                    and (*slot, generation) not in self._readings
                ):
                    self._refresh(slot, generation, read)
                return kept.value  # type: ignore[no-any-return]
        # a read begun before the latest event may not answer a caller who came after it
        reading = self._readings.get((*slot, generation))
        if reading is not None:
            await reading.done.wait()
            if reading.error is not None:
                raise reading.error
            return reading.value  # type: ignore[no-any-return]
        return await self._read(slot, generation, read, self._begin(slot, generation))

    def _begin(self, slot: tuple[str, Hashable], generation: int) -> _Reading:
        """Register a read before it starts: a caller arriving meanwhile waits for it."""
        reading = self._readings[(*slot, generation)] = _Reading()
        return reading

    async def _read(
        self, slot: tuple[str, Hashable], generation: int, read: Callable[[], T], reading: _Reading
    ) -> T:
        began = self.clock()
        self.reads += 1
        try:
            reading.value = await run_sync(read)
        except BaseException as error:
            reading.error = error
            raise
        finally:
            del self._readings[(*slot, generation)]
            reading.done.set()
        if self._generation[slot[0]] == generation:  # no event overtook the read
            self._answers[slot] = _Answer(reading.value, began, generation)
            self._answers.move_to_end(slot)
            while len(self._answers) > MAX_ANSWERS:
                self._answers.popitem(last=False)
        return reading.value  # type: ignore[no-any-return]

    def _refresh(
        self, slot: tuple[str, Hashable], generation: int, read: Callable[[], Any]
    ) -> None:
        reading = self._begin(slot, generation)
        task = asyncio.get_running_loop().create_task(self._read(slot, generation, read, reading))
        self._background.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # the answer still kept is served until it expires; the read after that raises
            _log.warning("reading a kept answer again failed: %s", task.exception())


#: by ``Runtime.instance_id`` (a runtime compares by value, so it cannot be a key itself)
_BY_RUNTIME: dict[str, KeptReads] = {}
_MADE = threading.Lock()


def kept_reads(rt: Runtime) -> KeptReads:
    """The runtime's kept answers, listening to its bus from the first call on."""
    with _MADE:
        found = _BY_RUNTIME.get(rt.instance_id)
        if found is not None:
            return found
        made = _BY_RUNTIME[rt.instance_id] = KeptReads(rt.settings.api.read_cache_seconds)
        weakref.finalize(rt, _BY_RUNTIME.pop, rt.instance_id, None)
        for topic in made.topics():
            rt.bus.subscribe(topic, lambda topic, _payload: made.changed(topic))
        return made


async def kept(rt: Runtime, family: str, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``'s answer, kept for the runtime's callers as the module says."""
    return await kept_reads(rt).get(family, key, read)


def register_metrics(rt: Runtime, registry: CollectorRegistry) -> None:
    """On ``/metrics``: how many answers came from memory, and how many were read."""
    from prometheus_client import Gauge

    reads = kept_reads(rt)
    served = Gauge(
        "workbench_api_kept_answers_served",
        "Hot reads answered from memory (ops.kept_reads) since start-up",
        registry=registry,
    )
    served.set_function(lambda: reads.hits)
    read = Gauge(
        "workbench_api_kept_answers_read",
        "Hot reads that went to the ledger, the broker or the lake since start-up",
        registry=registry,
    )
    read.set_function(lambda: reads.reads)
