"""``workbench.ops.analysis`` on the bundled sample: indicators, performance and one symbol's VaR,
checked against plain numpy on the bundled file (read around the lake) or the analysis engine."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import compute_indicator, list_indicators
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.data.sample import read_sample
from workbench.ops import analysis as ops
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("ANA-06")

TOL = {"rtol": 1e-9, "atol": 1e-12}


def returns_of(prices: pd.Series) -> pd.Series:
    observed = prices.dropna()
    return (observed / observed.shift(1) - 1).dropna()


# -- indicators ------------------------------------------------------------------------------
def test_sma_over_the_lake_matches_numpy(rt: Runtime, closes: pd.DataFrame) -> None:
    result = ops.indicators(rt, "aapl", "SMA", {"timeperiod": "10"})
    aapl = closes["AAPL"].dropna().to_numpy()
    expected = np.convolve(aapl, np.ones(10) / 10, mode="valid")
    assert result.name == "SMA" and result.params == {"timeperiod": 10}
    assert result.symbols == ["AAPL"] and result.outputs == ["sma"]
    assert len(result.values) == len(aapl) == 1259
    assert result.values["sma"].iloc[:9].isna().all()
    np.testing.assert_allclose(result.values["sma"].iloc[9:], expected, **TOL)


def test_several_symbols_and_tail_keep_the_last_rows_of_each(rt: Runtime) -> None:
    result = ops.indicators(rt, ["MSFT", "AAPL"], "MACD", tail=3)
    assert result.outputs == ["macd", "macdsignal", "macdhist"]
    assert result.values.groupby("symbol").size().to_dict() == {"AAPL": 3, "MSFT": 3}
    last = result.values.groupby("symbol")["timestamp"].max()
    assert (last.dt.tz_convert("America/New_York").dt.date == date(2018, 2, 7)).all()
    raw = read_sample("bars_1d")
    msft = raw.loc[raw["symbol"] == "MSFT"].set_index("timestamp")
    expected = compute_indicator(msft, "MACD").tail(3)
    got = result.values.loc[result.values["symbol"] == "MSFT", "macd"].to_numpy()
    np.testing.assert_allclose(got, expected["macd"].to_numpy(), **TOL)


def test_a_date_range_is_inclusive_in_new_york_dates(rt: Runtime) -> None:
    result = ops.indicators(rt, "AAPL", "RSI", start=date(2017, 1, 3), end=date(2017, 1, 31))
    days = result.values["timestamp"].dt.tz_convert("America/New_York").dt.date
    assert days.iloc[0] == date(2017, 1, 3) and days.iloc[-1] == date(2017, 1, 31)
    assert len(result.values) == 20  # the NYSE sessions of January 2017
    assert result.values["rsi"].isna().sum() == 14  # the warm-up is not filled from before


def test_intraday_timeframe(rt: Runtime) -> None:
    result = ops.indicators(rt, "TSLA", "VWAP", timeframe="5m")
    raw = read_sample("bars_5m")
    assert len(result.values) == int((raw["symbol"] == "TSLA").sum())
    assert result.values["vwap"].notna().mean() > 0.9


def test_the_result_serialises_to_json(rt: Runtime) -> None:
    document = json.loads(json.dumps(ops.indicators(rt, "AAPL", "RSI", tail=2).to_dict()))
    assert document["indicator"] == "RSI" and document["params"] == {"timeperiod": 14}
    assert [set(row) for row in document["rows"]] == [{"symbol", "timestamp", "rsi"}] * 2
    assert document["rows"][-1]["timestamp"].startswith("2018-02-07")


def test_parameters_are_checked_before_the_lake_is_read(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match=r"timeperiod must be an integer in 2\.\.100000"):
        ops.indicators(rt, "NOSUCH", "RSI", {"timeperiod": "1"})
    with pytest.raises(ValidationError, match="RSI parameter 'period'"):
        ops.indicators(rt, "AAPL", "RSI", {"period": "14"})
    with pytest.raises(NotFound, match="unknown indicator 'RSX'; did you mean RSI"):
        ops.indicators(rt, "AAPL", "RSX")


def test_unknown_symbols_and_empty_ranges_are_not_found(rt: Runtime) -> None:
    with pytest.raises(NotFound, match=r"unknown symbol.*NOSUCH"):
        ops.indicators(rt, ["AAPL", "NOSUCH"], "RSI")
    with pytest.raises(NotFound, match="no bars_1d bars for symbol AAPL in 2030-01-01"):
        ops.indicators(rt, "AAPL", "RSI", start=date(2030, 1, 1))
    with pytest.raises(NotFound, match="SPY"):  # SPY has no bars in 2018
        ops.indicators(rt, ["AAPL", "SPY"], "RSI", start=date(2018, 1, 2), end=date(2018, 2, 7))
    with pytest.raises(ValidationError, match="tail"):
        ops.indicators(rt, "AAPL", "RSI", tail=0)


def test_indicator_list() -> None:
    every = ops.indicator_list()
    assert [spec.name for spec in every] == [spec.name for spec in list_indicators()]
    assert len(every) > 200
    momentum = ops.indicator_list("momentum indicators")
    assert momentum and {spec.group for spec in momentum} == {"Momentum Indicators"}
    with pytest.raises(NotFound, match="indicator group"):
        ops.indicator_list("nonsense")


# -- performance -----------------------------------------------------------------------------
def test_buy_and_hold_figures_match_numpy(rt: Runtime, closes: pd.DataFrame) -> None:
    report = ops.performance(rt, "AAPL", benchmark=None)
    summary = report.summaries["AAPL"]
    prices = closes["AAPL"].dropna()
    returns = returns_of(prices).to_numpy()
    total = prices.iloc[-1] / prices.iloc[0] - 1
    assert report.benchmark is None and summary.benchmark is None
    assert summary.periods == len(returns) == 1258
    assert summary.total_return == pytest.approx(total, rel=1e-9)
    assert summary.cagr == pytest.approx((1 + total) ** (252 / len(returns)) - 1, rel=1e-9)
    sharpe = returns.mean() / returns.std(ddof=1) * np.sqrt(252)
    assert summary.sharpe == pytest.approx(sharpe, rel=1e-9)
    equity = np.cumprod(1 + returns)
    worst = np.min(equity / np.maximum.accumulate(np.r_[1.0, equity])[1:] - 1)
    assert summary.max_drawdown == pytest.approx(worst, rel=1e-9)
    assert report.drawdowns["AAPL"]["depth"].iloc[0] == pytest.approx(worst, rel=1e-9)


def test_the_default_benchmark_is_spy_and_beta_matches_numpy(
    rt: Runtime, closes: pd.DataFrame
) -> None:
    report = ops.performance(rt, "MSFT")
    assert report.benchmark == "SPY"
    both = pd.concat(
        [returns_of(closes["MSFT"]), returns_of(closes["SPY"])], axis=1, join="inner"
    ).to_numpy()
    beta = np.cov(both[:, 0], both[:, 1], ddof=1)[0, 1] / np.var(both[:, 1], ddof=1)
    comparison = report.summaries["MSFT"].benchmark
    assert comparison is not None
    assert comparison.periods == len(both)
    assert comparison.beta == pytest.approx(beta, rel=1e-9)


def test_auto_benchmark_falls_back_to_the_index_where_spy_has_no_prices(rt: Runtime) -> None:
    report = ops.performance(rt, ["AAPL", "XOM"], start=date(2018, 1, 2), end=date(2018, 2, 7))
    assert report.benchmark == "^GSPC"
    assert list(report.summaries) == ["AAPL", "XOM"]
    assert all(s.benchmark is not None for s in report.summaries.values())
    named = ops.performance(rt, "AAPL", benchmark="^ixic", start=date(2017, 1, 1))
    assert named.benchmark == "^IXIC"


def test_performance_to_dict_is_plain_json(rt: Runtime) -> None:
    document = json.loads(json.dumps(ops.performance(rt, "AAPL").to_dict()))
    assert document["benchmark"] == "SPY"
    (result,) = document["results"]
    assert result["subject"] == "AAPL"
    assert result["summary"]["start"].startswith("2013-02-11")
    assert result["summary"]["benchmark"]["beta"] > 0
    assert len(result["drawdowns"]) == 5 and result["drawdowns"][0]["rank"] == 1


def test_performance_bad_input(rt: Runtime) -> None:
    with pytest.raises(NotFound, match="no run 42 in the ledger"):
        ops.performance(rt, run_id="42")
    with pytest.raises(NotFound, match="run ids are whole numbers"):
        ops.performance(rt, run_id="latest")
    with pytest.raises(ValidationError, match="either symbols or a run id"):
        ops.performance(rt)
    with pytest.raises(ValidationError, match="either symbols or a run id"):
        ops.performance(rt, "AAPL", run_id="42")
    with pytest.raises(NotFound, match="NOSUCH"):
        ops.performance(rt, "AAPL", benchmark="NOSUCH")
    with pytest.raises(NotFound, match="benchmark SPY"):
        ops.performance(rt, "AAPL", benchmark="SPY", start=date(2018, 1, 2))
    with pytest.raises(DataError, match="at least 2 closes"):
        ops.performance(rt, "AAPL", start=date(2018, 2, 7), end=date(2018, 2, 7))


@pytest.mark.slow  # a real backtest: vectorbt and numba load (about 10 s)
def test_performance_of_a_stored_backtest_run(own_rt: Runtime) -> None:
    from workbench.ops import strategy

    run = strategy.backtest(own_rt, "buy_and_hold", ["AAPL", "MSFT"])
    assert run.run_id is not None
    report = ops.performance(own_rt, run_id=str(run.run_id))
    summary = report.summaries[f"run {run.run_id}"]
    assert report.basis == "run" and report.benchmark == "SPY"
    total = run.final_equity / run.config.initial_cash - 1
    assert summary.total_return == pytest.approx(total, rel=1e-9)
    assert summary.periods == len(run.equity)
    later = ops.performance(own_rt, run_id=str(run.run_id), start=date(2017, 1, 1))
    assert later.summaries[f"run {run.run_id}"].start == pd.Timestamp("2017-01-03")
    with pytest.raises(NotFound, match="has no returns in 2030-01-01"):
        ops.performance(own_rt, run_id=str(run.run_id), start=date(2030, 1, 1))


# -- VaR of one symbol -----------------------------------------------------------------------
def test_historical_var_matches_the_numpy_quantile(rt: Runtime, closes: pd.DataFrame) -> None:
    report = ops.symbol_var(rt, "XOM", value=1_000_000, method="historical")
    returns = returns_of(closes["XOM"]).to_numpy()
    assert report.observations == len(returns)
    assert list(report.table.index) == [("historical", 0.95), ("historical", 0.99)]
    for confidence in (0.95, 0.99):
        row = report.table.loc[("historical", confidence)]
        cutoff = np.quantile(returns, 1 - confidence)
        assert row["var"] == pytest.approx(-cutoff, rel=1e-12)
        assert row["expected_shortfall"] == pytest.approx(-returns[returns <= cutoff].mean())
        assert row["var_amount"] == pytest.approx(-cutoff * 1_000_000, rel=1e-12)


def test_var_of_every_method_over_a_lookback(rt: Runtime) -> None:
    report = ops.symbol_var(rt, "AAPL", confidences=[0.975], horizon=5, lookback=250)
    assert report.observations == 250 and report.horizon == 5
    assert report.end == date(2018, 2, 7)
    assert {method for method, _ in report.table.index} == {
        "historical",
        "parametric",
        "cornish_fisher",
        "monte_carlo",
    }
    assert (report.table["var"] > 0).all()
    document = json.loads(json.dumps(report.to_dict()))
    assert document["var"][0]["var_amount"] is None  # no value given: fractions only


def test_var_bad_input(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match="unknown VaR method 'nope'"):
        ops.symbol_var(rt, "AAPL", method="nope")
    with pytest.raises(ValidationError, match="confidence must be a number strictly between"):
        ops.symbol_var(rt, "AAPL", confidences=[95])
    with pytest.raises(ValidationError, match="lookback"):
        ops.symbol_var(rt, "AAPL", lookback=1)
    with pytest.raises(NotFound, match="NOSUCH"):
        ops.symbol_var(rt, "NOSUCH")
