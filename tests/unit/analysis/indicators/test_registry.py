"""The indicator registry: built from TA-Lib itself, with ranges that match what TA-Lib's C
core accepts, and errors that list what is valid."""

from __future__ import annotations

import json

import numpy as np
import pytest
import talib

from workbench.analysis.indicators import (
    get_indicator,
    indicator_groups,
    indicator_table,
    list_indicators,
    validate_parameters,
)
from workbench.core.errors import NotFound, ValidationError

pytestmark = pytest.mark.requirement("ANA-01")

WORKBENCH_OWN = {"VWAP", "ZSCORE", "REALIZED_VOL", "MOM_12_1"}


def test_every_talib_function_is_registered() -> None:
    names = {spec.name for spec in list_indicators()}
    talib_names = set(talib.get_functions())
    assert len(talib_names) >= 150
    assert talib_names <= names
    assert names - talib_names == WORKBENCH_OWN - talib_names
    sources = {spec.name: spec.source for spec in list_indicators()}
    # TA-Lib's VWAP runs from the first bar given; the registry's restarts every session
    assert sources["VWAP"] == "workbench" and sources["RSI"] == "ta-lib"


def test_metadata_of_well_known_indicators() -> None:
    rsi = get_indicator("rsi")
    assert rsi.inputs == ("close",) and rsi.outputs == ("rsi",)
    (period,) = rsi.parameters
    assert (period.name, period.kind, period.default) == ("timeperiod", "int", 14)
    assert (period.minimum, period.maximum) == (2, 100000)
    bbands = get_indicator("BBANDS")
    assert bbands.outputs == ("upperband", "middleband", "lowerband")
    assert bbands.parameter("nbdevup").kind == "float"
    assert dict(bbands.parameter("matype").choices)[0] == "Simple Moving Average"
    assert get_indicator("ATR").inputs == ("high", "low", "close")
    assert get_indicator("MAMA").parameter("fastlimit").minimum == pytest.approx(0.01)
    assert get_indicator("T3").parameter("vfactor").maximum == pytest.approx(1.0)


def _sample(spec_inputs: tuple[str, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    close = 100 + np.cumsum(rng.normal(0, 1, 300))
    fields = {
        "open": close + 0.1,
        "high": close + 1.0,
        "low": close - 1.0,
        "close": close,
        "volume": rng.uniform(1e5, 2e5, 300),
        "periods": np.full(300, 10.0),
    }
    return [fields[name] for name in spec_inputs]


def test_measured_integer_ranges_are_the_ones_talib_enforces() -> None:
    checked = 0
    for spec in list_indicators():
        if spec.source != "ta-lib":
            continue
        function = getattr(talib, spec.name)
        arrays = _sample(spec.inputs)
        for parameter in spec.parameters:
            if parameter.kind != "int" or parameter.maximum > 10**6:
                continue
            function(*arrays, **{parameter.name: int(parameter.minimum)})
            function(*arrays, **{parameter.name: int(parameter.maximum)})
            with pytest.raises(Exception, match="Bad Parameter"):
                function(*arrays, **{parameter.name: int(parameter.minimum) - 1})
            with pytest.raises(Exception, match="Bad Parameter"):
                function(*arrays, **{parameter.name: int(parameter.maximum) + 1})
            checked += 1
    assert checked > 100


def test_unknown_indicator_suggests_and_lists_the_valid_ones() -> None:
    with pytest.raises(NotFound) as caught:
        get_indicator("RSX")
    message = str(caught.value)
    assert message.startswith("unknown indicator 'RSX'; did you mean RSI")
    assert "valid indicators" in message and "MACD" in message and "ZSCORE" in message
    assert "RSI" in caught.value.details["valid"]


def test_bad_parameters_name_the_range() -> None:
    with pytest.raises(
        ValidationError, match=r"^timeperiod must be an integer in 2\.\.100000, got 1$"
    ):
        validate_parameters("RSI", {"timeperiod": 1})
    with pytest.raises(ValidationError, match=r"got 14\.5"):
        validate_parameters("RSI", {"timeperiod": 14.5})
    with pytest.raises(ValidationError, match="got True"):
        validate_parameters("RSI", {"timeperiod": True})
    with pytest.raises(ValidationError, match="did you mean timeperiod"):
        validate_parameters("RSI", {"timeperiods": 14})
    with pytest.raises(ValidationError, match="0=Simple Moving Average"):
        validate_parameters("BBANDS", {"matype": 99})
    with pytest.raises(ValidationError, match="takes no parameters"):
        validate_parameters("OBV", {"timeperiod": 3})
    with pytest.raises(ValidationError, match="skipperiod must be smaller than timeperiod"):
        validate_parameters("MOM_12_1", {"timeperiod": 20, "skipperiod": 21})


def test_parameters_from_a_command_line_are_parsed() -> None:
    assert validate_parameters("RSI", {"timeperiod": "10"}) == {"timeperiod": 10}
    assert validate_parameters("RSI", {"timeperiod": 10.0}) == {"timeperiod": 10}
    assert validate_parameters("BBANDS", {"nbdevup": "2.5"})["nbdevup"] == 2.5
    assert validate_parameters("MACD") == {"fastperiod": 12, "slowperiod": 26, "signalperiod": 9}


def test_listing_for_faces() -> None:
    momentum = list_indicators(group="momentum indicators")
    assert momentum and {spec.group for spec in momentum} == {"Momentum Indicators"}
    assert "Pattern Recognition" in indicator_groups()
    with pytest.raises(NotFound, match="did you mean Volume Indicators"):
        list_indicators(group="Volume Indicator")
    table = indicator_table()
    assert table.loc["RSI", "parameters"] == "timeperiod=14"
    assert len(table) == len(list_indicators())
    json.dumps([spec.to_dict() for spec in list_indicators()])
