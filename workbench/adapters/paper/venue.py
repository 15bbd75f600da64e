"""The paper venue for the runtime: the book people trade by hand under ``<home>/paper``, and
fresh books for replayed runs. It replays the lake, so it has no history to fetch and no live
market stream of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.adapters.paper.config import PaperConfig
from workbench.adapters.paper.execution import PaperBroker, last_session
from workbench.core.errors import ConfigError

if TYPE_CHECKING:
    from workbench.adapters.ports import MarketStream
    from workbench.core.config import Settings
    from workbench.core.events import EventBus
    from workbench.data import LakeBarWriter
    from workbench.data.sources import HistoricalSource

__all__ = ["PaperVenue"]


class PaperVenue:
    name = "paper"
    replays = True
    remote = False

    def __init__(self, settings: Settings, lake: Callable[[], Any]) -> None:
        self._home = settings.home
        self._lake = lake

    def problems(self) -> list[str]:
        return []

    def broker(self) -> PaperBroker:
        """The paper account kept in ``<home>/paper/book.db`` across processes."""
        return PaperBroker.open(self._lake(), self._home / "paper" / "book.db")

    def live_broker(self) -> None:
        return None

    def reference_clock(self) -> Callable[[], datetime] | None:
        return None

    def replay_broker(self, path: Path, *, start: date) -> PaperBroker:
        """A book of its own in ``path`` whose clock starts before ``start``'s open (reopened
        where it stood when the file exists, so a stopped run resumes)."""
        return PaperBroker.open(self._lake(), path, PaperConfig(start=start))

    def last_session(self) -> date:
        """The last session most of the lake's symbols have a daily bar on."""
        from workbench.exchange.sessions import exchange_calendar

        return last_session(self._lake(), PaperConfig(), exchange_calendar())

    def historical_source(self) -> HistoricalSource:
        raise ConfigError(
            "the paper venue replays the lake and has no history to fetch: set WB_DATA__SOURCE "
            "to a venue that has (alpaca)"
        )

    def market_stream(self, bus: EventBus, *, bars_to: LakeBarWriter | None = None) -> MarketStream:
        raise ConfigError(
            "the paper venue has no live market stream: set WB_DATA__SOURCE to a venue that "
            "has (alpaca), or replay the lake"
        )
