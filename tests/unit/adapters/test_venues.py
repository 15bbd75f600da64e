"""The registry of venues and what each venue answers for the runtime, without reaching one."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.adapters import Venue, open_venue, register_venue, venue_names
from workbench.adapters.alpaca.venue import AlpacaVenue
from workbench.adapters.paper.venue import PaperVenue
from workbench.core.config import Settings, load_settings
from workbench.core.errors import ConfigError
from workbench.core.events import EventBus
from workbench.runtime import Runtime


def _no_lake() -> None:
    raise AssertionError("this part must not open the lake")


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return load_settings(home=tmp_path, **overrides)


def test_both_venues_are_registered_and_answer_the_port(tmp_path: Path) -> None:
    assert {"paper", "alpaca"} <= set(venue_names())
    paper = open_venue("paper", _settings(tmp_path), _no_lake)
    alpaca = open_venue("alpaca", _settings(tmp_path), _no_lake)
    assert isinstance(paper, PaperVenue) and isinstance(paper, Venue)
    assert isinstance(alpaca, AlpacaVenue) and isinstance(alpaca, Venue)
    assert (paper.replays, paper.remote) == (True, False)
    assert (alpaca.replays, alpaca.remote) == (False, True)


def test_an_unknown_venue_is_a_config_error_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no venue called 'robinhood': one of paper, alpaca"):
        open_venue("robinhood", _settings(tmp_path), _no_lake)


def test_a_third_venue_is_one_registration(tmp_path: Path) -> None:
    class ThirdVenue(PaperVenue):
        name = "third"

    register_venue("third", ThirdVenue)
    try:
        venue = open_venue("third", _settings(tmp_path), _no_lake)
    finally:
        from workbench.adapters import _VENUES

        _VENUES.pop("third")
    assert isinstance(venue, ThirdVenue) and venue.name == "third"


def test_the_paper_venue_has_no_history_to_fetch_nor_a_live_stream(tmp_path: Path) -> None:
    paper = PaperVenue(_settings(tmp_path), _no_lake)
    assert paper.problems() == [] and paper.live_broker() is None
    assert paper.reference_clock() is None
    with pytest.raises(ConfigError, match="WB_DATA__SOURCE"):
        paper.historical_source()
    with pytest.raises(ConfigError, match="no live market stream"):
        paper.market_stream(EventBus())


def test_alpaca_without_keys_says_which_ones_before_any_request(tmp_path: Path) -> None:
    alpaca = AlpacaVenue(_settings(tmp_path), _no_lake)
    assert alpaca.problems() == ["alpaca needs WB_ALPACA__API_KEY and WB_ALPACA__SECRET_KEY"]
    for build in (alpaca.broker, alpaca.live_broker, alpaca.historical_source):
        with pytest.raises(ConfigError, match="alpaca needs WB_ALPACA__API_KEY"):
            build()


def test_the_runtime_takes_history_from_the_data_source_whichever_venue_trades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_ALPACA__API_KEY", "key")
    monkeypatch.setenv("WB_ALPACA__SECRET_KEY", "secret")
    rt = Runtime.from_settings(_settings(tmp_path))
    assert rt.venue.name == "paper" and rt.account_name == "paper"
    assert rt.source_venue.name == "alpaca"
    assert rt.historical_source.name == "alpaca"
    on_paper = Runtime.from_settings(_settings(tmp_path, data={"source": "paper"}))
    assert on_paper.source_venue is on_paper.venue
    with pytest.raises(ConfigError, match="replays the lake"):
        on_paper.historical_source  # noqa: B018 - the property builds the part
