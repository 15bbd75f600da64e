"""Finding strategies: built-ins, @register (module or notebook cell), module:attr specs."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.errors import NotFound, ValidationError
from workbench.strategy import (
    AllocationStrategy,
    Bars,
    Param,
    Params,
    Signals,
    SignalStrategy,
    Strategy,
    get_strategy,
    list_strategies,
    register,
    unregister,
)

pytestmark = pytest.mark.requirement("STR-01")

BUILTINS = {
    "sma_crossover": "signal",
    "ema_crossover": "signal",
    "rsi_reversion": "signal",
    "bollinger_reversion": "signal",
    "donchian_breakout": "signal",
    "buy_and_hold": "signal",
    "momentum_rotation": "allocation",
    "rebalance": "allocation",
}


class Always(SignalStrategy):
    """A user strategy as a notebook cell would define it."""

    name = "test_always_in"
    summary = "in from the first bar"
    params = (Param("delay", 0, min=0, max=10),)

    def signals(self, bars: Bars, params: Params) -> Signals:
        entries = pd.DataFrame(False, index=bars.index, columns=bars.close.columns)
        entries.iloc[int(params["delay"])] = True
        return Signals(entries=entries, exits=entries & False)


@pytest.fixture
def registered() -> Iterator[None]:
    register(Always)
    yield
    unregister(Always.name)


def test_the_builtins_are_registered_with_their_kind() -> None:
    found = {s.name: s.kind for s in list_strategies()}
    assert {name: found[name] for name in BUILTINS} == BUILTINS
    for strategy in list_strategies():
        assert isinstance(strategy, Strategy)
        assert strategy.summary
        strategy.validate()  # the defaults satisfy every range and constraint


def test_register_makes_a_user_strategy_findable(registered: None) -> None:
    strategy = get_strategy("test_always_in")
    assert isinstance(strategy, Always)
    assert strategy.validate({"delay": "3"}) == {"delay": 3}
    assert "test_always_in" in {s.name for s in list_strategies()}


def test_registering_again_replaces_it(registered: None) -> None:
    class Edited(Always):
        summary = "edited"

    register(Edited)
    assert get_strategy("test_always_in").summary == "edited"


def test_module_attr_specs() -> None:
    strategy = get_strategy("workbench.strategy.builtins.signals:SmaCrossover")
    assert strategy.name == "sma_crossover"
    with pytest.raises(NotFound, match=r"cannot import 'no\.such\.module'"):
        get_strategy("no.such.module:X")
    with pytest.raises(NotFound, match="has no attribute 'Nope'"):
        get_strategy("workbench.strategy.builtins.signals:Nope")
    with pytest.raises(ValidationError, match="is not a strategy"):
        get_strategy("workbench.strategy.builtins.signals:crossed_above")


def test_file_specs(tmp_path: Path) -> None:
    source = tmp_path / "mine.py"
    source.write_text(
        textwrap.dedent(
            """
            import pandas as pd
            from workbench.strategy import AllocationStrategy, Param

            class Half(AllocationStrategy):
                name = "test_half"
                summary = "half in the first symbol"
                params = (Param("rebalance", "never", choices=("never", "monthly")),)

                def weights(self, history, params):
                    return pd.Series({history.symbols[0]: 0.5})
            """
        )
    )
    strategy = get_strategy(f"{source}:Half")
    assert isinstance(strategy, AllocationStrategy)
    assert strategy.name == "test_half"
    with pytest.raises(NotFound, match="no strategy file"):
        get_strategy(f"{tmp_path / 'missing.py'}:Half")


def test_unknown_names_list_the_registered_ones() -> None:
    with pytest.raises(NotFound, match=r"unknown strategy 'sma'; registered: .*sma_crossover"):
        get_strategy("sma")


def test_register_refuses_what_is_not_a_strategy() -> None:
    with pytest.raises(ValidationError, match="is not a strategy"):
        register(object())

    class Nameless(Always):
        name = ""

    with pytest.raises(ValidationError, match="must be non-empty"):
        register(Nameless)
