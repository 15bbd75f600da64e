"""Crossing helpers: a cross needs both lines observed at this bar and the one before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.strategy.builtins import crossed_above, crossed_below

NAN = np.nan


def frame(*values: float) -> pd.DataFrame:
    return pd.DataFrame({"X": list(values)}, index=pd.date_range("2020-01-01", periods=len(values)))


def flags(result: pd.DataFrame) -> list[bool]:
    return [bool(v) for v in result["X"]]


def test_a_missing_previous_value_is_not_a_cross() -> None:
    # the slow line appears at bar 2 with the fast one already above: nothing crossed there
    fast = frame(5, 5, 5, 5, 3, 6)
    slow = frame(NAN, NAN, 4, 4, 4, 4)
    assert flags(crossed_above(fast, slow)) == [False, False, False, False, False, True]
    assert flags(crossed_below(fast, slow)) == [False, False, False, False, True, False]


def test_a_gap_on_either_side_breaks_the_pair_of_bars() -> None:
    left = frame(1, 3, NAN, 3, 1, 3)
    right = frame(2, 2, 2, 2, 2, NAN)
    # bar 1 crosses; bar 3 follows a missing bar; bar 5 lacks the right side
    assert flags(crossed_above(left, right)) == [False, True, False, False, False, False]
    assert flags(crossed_below(left, right)) == [False, False, False, False, True, False]


def test_touching_then_rising_is_a_cross_and_staying_above_is_not() -> None:
    left = frame(1, 2, 3, 4)
    right = frame(2, 2, 2, 2)
    assert flags(crossed_above(left, right)) == [False, False, True, False]


def test_columns_are_independent() -> None:
    index = pd.date_range("2020-01-01", periods=3)
    left = pd.DataFrame({"A": [1.0, 3.0, 3.0], "B": [NAN, 3.0, 1.0]}, index=index)
    right = pd.DataFrame({"A": [2.0, 2.0, 2.0], "B": [2.0, 2.0, 2.0]}, index=index)
    above = crossed_above(left, right)
    assert above["A"].tolist() == [False, True, False]
    assert above["B"].tolist() == [False, False, False]
    assert crossed_below(left, right)["B"].tolist() == [False, False, True]
