"""Strategy parameters: types from defaults, ranges, choices, constraints, grids."""

from __future__ import annotations

import re

import pytest

from workbench.core.errors import ValidationError
from workbench.strategy import Constraint, Param, ParamSpace, get_strategy
from workbench.strategy.params import MAX_GRID, parse_values

pytestmark = pytest.mark.requirement("STR-01")

SPACE = ParamSpace.of(
    [
        Param("fast", 10, min=2, max=500),
        Param("slow", 50, min=3, max=1000),
        Param("width", 2.0, min=0.1, max=5.0),
        Param("method", "hrp", choices=("hrp", "risk_parity")),
        Param("short", False),
    ],
    ["fast < slow"],
)


def test_types_follow_the_defaults() -> None:
    kinds = {p.name: p.kind for p in SPACE.params}
    assert kinds == {
        "fast": "int",
        "slow": "int",
        "width": "float",
        "method": "choice",
        "short": "bool",
    }


def test_validate_fills_defaults_and_parses_strings() -> None:
    values = SPACE.validate({"fast": "20", "width": "1.5", "short": "yes", "method": "risk_parity"})
    assert values == {"fast": 20, "slow": 50, "width": 1.5, "method": "risk_parity", "short": True}
    assert isinstance(values["fast"], int)
    assert SPACE.validate({"fast": 20.0})["fast"] == 20  # an integral float is an int


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"fast": 1}, "fast must be integer in 2..500, got 1"),
        ({"fast": 10.5}, "fast must be integer in 2..500, got 10.5"),
        ({"fast": "ten"}, "fast must be integer in 2..500, got 'ten'"),
        ({"fast": True}, "fast must be integer"),
        ({"width": float("nan")}, "width must be number in 0.1..5"),
        ({"method": "magic"}, "method must be one of hrp, risk_parity, got 'magic'"),
        ({"short": "maybe"}, "short must be true or false"),
        ({"fats": 5}, "unknown parameter 'fats'; did you mean fast?"),
        (
            {"fast": 60, "slow": 50},
            "parameters break the constraint 'fast < slow': fast=60, slow=50",
        ),
    ],
)
def test_bad_parameters_name_the_parameter_and_the_range(
    given: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        SPACE.validate(given)


def test_every_builtin_rejects_out_of_range_values() -> None:
    with pytest.raises(ValidationError, match=re.escape("slow must be integer in 3..1000, got 0")):
        get_strategy("sma_crossover").validate({"slow": 0})
    with pytest.raises(ValidationError, match="lower < upper"):
        get_strategy("rsi_reversion").validate({"lower": 80, "upper": 70})
    with pytest.raises(ValidationError, match="method must be one of"):
        get_strategy("rebalance").validate({"method": "user"})


def test_a_param_whose_default_is_out_of_its_own_range_is_refused() -> None:
    with pytest.raises(ValidationError, match=re.escape("x must be integer in 1..5, got 9")):
        Param("x", 9, min=1, max=5)
    with pytest.raises(ValidationError, match="needs choices"):
        Param("kind", "a")
    with pytest.raises(ValidationError, match="not an identifier"):
        Param("bad name", 1)


def test_constraints_parse_and_check() -> None:
    assert Constraint.parse("fast<slow") == Constraint("fast", "<", "slow")
    assert Constraint.parse(" slow >= 20 ") == Constraint("slow", ">=", 20.0)
    assert str(Constraint.parse("a != b")) == "a != b"
    for bad in ("fast", "1 < slow", "fast < ", "fast << slow", "fast < 3x"):
        with pytest.raises(ValidationError, match="is not 'name OP name'"):
            Constraint.parse(bad)
    with pytest.raises(ValidationError, match="unknown parameter 'fastt'"):
        ParamSpace.of([Param("fast", 1)], ["fastt < 3"])


def test_parse_values() -> None:
    assert parse_values("5:20:5") == [5, 10, 15, 20]
    assert parse_values("5:7") == [5, 6, 7]
    assert parse_values("0.5:1.5:0.5") == [0.5, 1, 1.5]
    assert parse_values("hrp|risk_parity") == ["hrp", "risk_parity"]
    assert parse_values("7") == ["7"]
    for bad in ("5:1", "1:5:0", "a:b", "1:2:3:4"):
        with pytest.raises(ValidationError, match="range"):
            parse_values(bad)


def test_grid_applies_constraints_and_keeps_defaults() -> None:
    combos = SPACE.grid({"fast": "10:30:10", "slow": [20, 40]})
    pairs = [(c["fast"], c["slow"]) for c in combos]
    assert pairs == [(10, 20), (10, 40), (20, 40), (30, 40)]
    assert all(c["width"] == 2.0 and c["method"] == "hrp" for c in combos)
    extra = SPACE.grid({"fast": "10:30:10", "slow": [20, 40]}, ["slow > 30"])
    assert [(c["fast"], c["slow"]) for c in extra] == [(10, 40), (20, 40), (30, 40)]


def test_grid_errors() -> None:
    with pytest.raises(ValidationError, match="no combination"):
        SPACE.grid({"fast": [100], "slow": [50]})
    with pytest.raises(ValidationError, match="fast must be integer"):
        SPACE.grid({"fast": "1:3"})
    with pytest.raises(ValidationError, match="limit"):
        SPACE.grid({"fast": "2:500", "slow": "3:1000", "width": "0.1:5:0.1"})
    assert MAX_GRID >= 1_000_000
