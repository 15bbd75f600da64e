"""The look-ahead guard: perturb every bar after a date; nothing before it may change."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.strategy import (
    BacktestConfig,
    Bars,
    Params,
    Signals,
    SignalStrategy,
    check_lookahead,
)
from workbench.strategy.lookahead import perturb_after

pytestmark = pytest.mark.requirement("STR-03")

AT = pd.Timestamp("2015-09-30")
CASES = [
    ("sma_crossover", {}),
    ("ema_crossover", {"fast": 5, "slow": 20}),
    ("rsi_reversion", {}),
    ("bollinger_reversion", {}),
    ("donchian_breakout", {}),
    ("buy_and_hold", {}),
    ("momentum_rotation", {"top": 2}),
    ("rebalance", {"method": "inverse_volatility"}),
]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[c[0] for c in CASES])
def test_no_builtin_looks_ahead(bars: Bars, name: str, params: dict[str, object]) -> None:
    report = check_lookahead(name, bars, params, BacktestConfig(benchmark=None), at=AT)
    assert report.ok, report.to_dict()
    if name != "buy_and_hold":  # buy-and-hold decides once, at the start
        assert report.decisions_changed_after > 0  # the perturbation did change the future


def test_close_fills_and_stops_do_not_look_ahead_either(bars: Bars) -> None:
    config = BacktestConfig(benchmark=None, execution="close", stop_loss=0.03, trailing_stop=0.05)
    assert check_lookahead("sma_crossover", bars, {"fast": 5, "slow": 20}, config, at=AT).ok


class Peeking(SignalStrategy):
    """Buys the day before a rise: exactly the bug the guard exists for."""

    name = "test_peeking"
    summary = "uses tomorrow's close"

    def signals(self, bars: Bars, params: Params) -> Signals:
        tomorrow = bars.close.shift(-1) > bars.close
        return Signals(entries=tomorrow, exits=~tomorrow)


def test_the_guard_catches_a_strategy_that_peeks(bars: Bars) -> None:
    report = check_lookahead(Peeking(), bars, at=AT, config=BacktestConfig(benchmark=None))
    assert not report.ok
    assert report.decisions_changed_before > 0
    assert report.examples[0].startswith("2015-09-30")  # the last bar before the change


def test_perturbation_keeps_bars_valid_and_the_past_intact(bars: Bars) -> None:
    changed = perturb_after(bars, AT, seed=3)
    before = bars.index <= AT
    pd.testing.assert_frame_equal(changed.close[before], bars.close[before])
    after = ~before
    moved = bars.close[after].pct_change().iloc[1:]
    mirrored = changed.close[after].pct_change().iloc[1:]
    assert ((moved * mirrored) <= 0).all().all()  # every later move changes direction
    assert (changed.high[after] >= changed.close[after]).all().all()
    assert (changed.low[after] <= changed.open[after]).all().all()
