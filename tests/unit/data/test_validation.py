"""Every validation rule with a batch that breaks it and one that passes it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from workbench.core.errors import ValidationError
from workbench.data.schema import spec_for
from workbench.data.validation import validate

pytestmark = pytest.mark.requirement("DAT-02")

DAILY = spec_for("bars_1d")
MINUTE = spec_for("bars_1m")


def daily_bars(
    days: list[str], symbol: str = "AAPL", close: list[float] | None = None
) -> pd.DataFrame:
    """Valid daily bars stamped at midnight New York, one per given date."""
    closes = close or [100.0 + i for i in range(len(days))]
    stamps = (
        pd.DatetimeIndex(pd.to_datetime(days)).tz_localize("America/New_York").tz_convert("UTC")
    )
    return pd.DataFrame(
        {
            "symbol": symbol,
            "timestamp": stamps,
            "open": closes,
            "high": [c + 1 for c in closes],
            "low": [c - 1 for c in closes],
            "close": closes,
            "volume": 1000.0,
        }
    )


WEEK = ["2023-07-10", "2023-07-11", "2023-07-12", "2023-07-13", "2023-07-14"]


def check(frame: pd.DataFrame, spec=DAILY, **options):
    return validate(frame, spec, source="test", policy="warn", **options).report


# -- schema --------------------------------------------------------------------------------
def test_a_complete_batch_passes_without_issues() -> None:
    report = check(daily_bars(WEEK))
    assert report.ok
    assert report.issues == ()
    assert report.rows_accepted == 5


def test_a_missing_column_is_named() -> None:
    frame = daily_bars(WEEK).drop(columns=["close"])
    with pytest.raises(ValidationError, match=r"missing column\(s\) close for bars_1d"):
        validate(frame, DAILY, source="prices.csv")


def test_a_missing_symbol_column_can_be_given_as_an_argument() -> None:
    frame = daily_bars(WEEK).drop(columns=["symbol"])
    with pytest.raises(ValidationError, match="no symbol column"):
        validate(frame, DAILY, source="prices.csv")
    batch = validate(frame, DAILY, source="prices.csv", symbol="msft")
    assert set(batch.frame["symbol"]) == {"MSFT"}


def test_text_in_a_price_names_the_line_and_the_column() -> None:
    frame = daily_bars(WEEK).astype({"close": object})
    frame.loc[2, "close"] = "12,5"
    with pytest.raises(ValidationError) as caught:
        validate(frame, DAILY, source="prices.csv")
    message = str(caught.value)
    assert "line 3" in message
    assert "column 'close'" in message
    assert "'12,5' is not a number" in message
    assert caught.value.report.count("not_a_number") == 1


def test_line_numbers_come_from_the_source_when_it_gives_them() -> None:
    frame = daily_bars(WEEK).astype({"open": object})
    frame["_line"] = range(10, 15)
    frame.loc[4, "open"] = "n/a"
    report = check(frame)
    assert "line 14" in report.errors[0].message


def test_numbers_given_as_text_are_accepted() -> None:
    frame = daily_bars(WEEK).astype({"close": str, "open": str})
    batch = validate(frame, DAILY, source="test")
    assert batch.frame["close"].dtype == np.float64
    assert batch.frame["close"].tolist() == [100.0, 101.0, 102.0, 103.0, 104.0]


def test_an_empty_required_value_is_an_error_and_is_never_stored() -> None:
    frame = daily_bars(WEEK)
    frame.loc[1, "volume"] = np.nan
    report = check(frame)
    assert report.count("missing_value") == 1
    assert validate(frame, DAILY, source="t", policy="warn").frame.shape[0] == 4


# -- timestamps ----------------------------------------------------------------------------
def test_a_naive_timestamp_is_refused_with_its_line() -> None:
    frame = daily_bars(WEEK)
    frame["timestamp"] = ["2023-07-10T04:00:00Z", "2023-07-11 04:00", "x", "y", "z"]
    with pytest.raises(
        ValidationError, match=r"line 2: timestamp '2023-07-11 04:00' has no timezone"
    ):
        validate(frame, DAILY, source="test", policy="warn")


def test_a_naive_datetime_column_is_refused() -> None:
    frame = daily_bars(WEEK)
    frame["timestamp"] = frame["timestamp"].dt.tz_localize(None)
    with pytest.raises(ValidationError, match="no timezone"):
        validate(frame, DAILY, source="test")


def test_offsets_are_converted_to_utc() -> None:
    frame = daily_bars(WEEK[:1])
    frame["timestamp"] = ["2023-07-10T00:00:00-04:00"]
    stored = validate(frame, DAILY, source="test").frame
    assert stored["timestamp"].iloc[0] == pd.Timestamp("2023-07-10 04:00", tz="UTC")
    assert str(stored["timestamp"].dtype) == "datetime64[us, UTC]"


def test_an_unparseable_timestamp_is_reported_not_mistaken_for_a_naive_one() -> None:
    frame = daily_bars(WEEK)
    frame["timestamp"] = frame["timestamp"].map(lambda t: t.isoformat())
    frame.loc[3, "timestamp"] = "2023-02-30T04:00:00Z"
    with pytest.raises(ValidationError) as caught:
        validate(frame, DAILY, source="test")
    assert "timestamp: line 4: timestamp '2023-02-30T04:00:00Z' is not a date/time" in str(
        caught.value
    )
    frame.loc[3, "timestamp"] = "tomorrow"
    report = validate(frame, DAILY, source="test", policy="drop").report
    assert report.count("timestamp") == 1
    assert report.rows_accepted == 4


# -- keys and values -----------------------------------------------------------------------
def test_a_repeated_key_is_a_duplicate_and_only_the_first_is_kept() -> None:
    frame = daily_bars(WEEK)
    repeat = frame.iloc[[1]].assign(close=555.0, high=556.0, open=555.0, low=554.0)
    frame = pd.concat([frame, repeat], ignore_index=True)
    report = check(frame)
    assert report.count("duplicate") == 1
    assert "line 6" in report.errors[0].message
    kept = validate(frame, DAILY, source="t", policy="warn").frame
    assert len(kept) == 5
    assert 555.0 not in kept["close"].tolist()


def test_the_same_timestamp_for_two_symbols_is_no_duplicate() -> None:
    frame = pd.concat([daily_bars(WEEK, "AAPL"), daily_bars(WEEK, "MSFT")], ignore_index=True)
    assert check(frame).count("duplicate") == 0


def test_an_invalid_symbol_is_an_error() -> None:
    frame = daily_bars(WEEK)
    frame.loc[0, "symbol"] = "not a ticker!"
    report = check(frame)
    assert report.count("symbol") == 1
    assert "'NOT A TICKER!' is not a valid ticker" in report.errors[0].message


def test_symbols_that_are_not_text_or_missing_are_errors() -> None:
    frame = daily_bars(WEEK).astype({"symbol": object})
    frame.loc[1, "symbol"] = 7
    frame.loc[2, "symbol"] = None
    report = check(frame)
    assert report.count("symbol") == 2
    assert "symbol '7' is not a valid ticker" in report.errors[0].message


def test_symbols_are_trimmed_and_upper_cased() -> None:
    frame = daily_bars(WEEK, symbol=" brk.b ")
    assert set(validate(frame, DAILY, source="t").frame["symbol"]) == {"BRK.B"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"high": 100.5}, "open/close 101.0/101.0 outside low..high 100.0..100.5"),  # high < close
        ({"low": 101.5}, "open/close 101.0/101.0 outside low..high 101.5..102.0"),  # low > open
        ({"low": 103.0}, "low 103.0 is above high 102.0"),
    ],
    ids=["high-below-open-close", "low-above-open-close", "low-above-high"],
)
def test_ohlc_consistency(change: dict[str, float], expected: str) -> None:
    frame = daily_bars(WEEK)
    for column, value in change.items():
        frame.loc[1, column] = value
    report = check(frame)
    assert report.count("ohlc") == 1
    assert f"ohlc: line 2: {expected}" in report.errors[0].message


def test_ohlc_at_the_edges_is_valid() -> None:
    frame = daily_bars(WEEK)
    frame["high"] = frame["close"]
    frame["low"] = frame["open"]
    assert check(frame).count("ohlc") == 0


@pytest.mark.parametrize("column", ["open", "high", "low", "close", "volume"])
def test_negative_values_are_errors(column: str) -> None:
    frame = daily_bars(WEEK)
    frame.loc[2, column] = -frame.loc[2, column]
    report = check(frame)
    assert report.count("negative") == 1
    assert f"{column} -" in report.errors[0].message


def test_zero_volume_is_a_warning_not_an_error() -> None:
    frame = daily_bars(WEEK)
    frame.loc[0, "volume"] = 0.0
    report = check(frame)
    assert report.ok
    assert [(i.rule, i.severity, i.count) for i in report.issues] == [("zero_volume", "warning", 1)]
    assert validate(frame, DAILY, source="t").report.rows_accepted == 5


# -- gaps against the XNYS calendar ----------------------------------------------------------
def test_a_missing_session_is_a_gap() -> None:
    frame = daily_bars(["2023-07-10", "2023-07-11", "2023-07-13", "2023-07-14"])
    report = check(frame)
    gaps = [i for i in report.issues if i.rule == "gap"]
    assert len(gaps) == 1
    assert gaps[0].severity == "warning"
    assert gaps[0].count == 1
    assert gaps[0].rows.to_dict("records") == [{"symbol": "AAPL", "session": date(2023, 7, 12)}]
    assert "AAPL 1" in gaps[0].message


def test_weekends_and_holidays_are_not_gaps() -> None:
    # Fri 30 Jun, Mon 3 Jul, (Tue 4 Jul: Independence Day), Wed 5 Jul
    frame = daily_bars(["2023-06-30", "2023-07-03", "2023-07-05"])
    assert check(frame).count("gap") == 0


def test_gaps_count_per_symbol_between_its_own_first_and_last_bar() -> None:
    frame = pd.concat(
        [daily_bars(WEEK, "AAPL"), daily_bars(["2023-07-10", "2023-07-14"], "MSFT")],
        ignore_index=True,
    )
    report = check(frame)
    assert report.count("gap") == 3
    gap = next(i for i in report.issues if i.rule == "gap")
    assert set(gap.rows["symbol"]) == {"MSFT"}


def test_intraday_bars_cover_a_session_with_any_bar() -> None:
    stamps = pd.to_datetime(["2023-07-10 13:30", "2023-07-10 19:59", "2023-07-12 14:00"], utc=True)
    frame = pd.DataFrame(
        {
            "symbol": "AAPL",
            "timestamp": stamps,
            "open": 1.0,
            "high": 1.0,
            "low": 1.0,
            "close": 1.0,
            "volume": 1.0,
        }
    )
    gap = next(i for i in check(frame, MINUTE).issues if i.rule == "gap")
    assert gap.rows["session"].tolist() == [date(2023, 7, 11)]


def test_gap_checks_can_be_turned_off() -> None:
    frame = daily_bars(["2023-07-10", "2023-07-14"])
    assert check(frame, check_gaps=False).count("gap") == 0


# -- suspicious jumps ------------------------------------------------------------------------
def test_a_move_beyond_the_threshold_is_a_jump() -> None:
    frame = daily_bars(WEEK, close=[100.0, 101.0, 130.0, 129.0, 128.0])
    report = check(frame)
    jumps = [i for i in report.issues if i.rule == "jump"]
    assert len(jumps) == 1
    assert jumps[0].count == 1
    assert "AAPL close moved +28.7%" in jumps[0].message
    assert "line 3" in jumps[0].message


def test_moves_within_the_threshold_and_across_symbols_are_not_jumps() -> None:
    frame = pd.concat(
        [daily_bars(WEEK, "AAPL", close=[100.0] * 5), daily_bars(WEEK, "MSFT", close=[300.0] * 5)],
        ignore_index=True,
    )
    assert check(frame).count("jump") == 0
    assert check(frame, jump_threshold=0.01).count("jump") == 0
    moving = daily_bars(WEEK, close=[100.0, 110.0, 121.0, 133.1, 146.41])
    assert check(moving).count("jump") == 0
    assert check(moving, jump_threshold=0.05).count("jump") == 4


def test_jumps_follow_time_order_not_row_order() -> None:
    frame = daily_bars(WEEK, close=[100.0, 101.0, 102.0, 103.0, 104.0]).iloc[::-1]
    assert check(frame).count("jump") == 0


# -- quotes ----------------------------------------------------------------------------------
def test_a_crossed_quote_is_a_warning() -> None:
    frame = pd.DataFrame(
        {
            "symbol": "AAPL",
            "timestamp": pd.to_datetime(["2023-07-10 14:00", "2023-07-10 14:01"], utc=True),
            "bid_price": [10.0, 10.2],
            "bid_size": 1.0,
            "ask_price": [10.1, 10.1],
            "ask_size": 1.0,
        }
    )
    report = check(frame, spec_for("quotes"))
    assert [(i.rule, i.count) for i in report.issues] == [("crossed", 1)]


# -- policies --------------------------------------------------------------------------------
def broken_batch() -> pd.DataFrame:
    """Five bars: one low above high (error), one zero volume (warning), one close as text."""
    frame = daily_bars(WEEK).astype({"close": object})
    frame.loc[1, "low"] = 500.0
    frame.loc[2, "volume"] = 0.0
    frame.loc[3, "close"] = "oops"
    return frame


def test_reject_raises_with_the_report() -> None:
    with pytest.raises(ValidationError, match="rejected, nothing written") as caught:
        validate(broken_batch(), DAILY, source="test", policy="reject")
    report = caught.value.report
    assert report.rows_accepted == 0
    assert {i.rule for i in report.errors} == {"ohlc", "not_a_number"}
    assert report.count("zero_volume") == 1


def test_drop_keeps_the_good_rows_and_counts_the_bad() -> None:
    batch = validate(broken_batch(), DAILY, source="test", policy="drop")
    assert batch.report.rows_in == 5
    assert batch.report.rows_accepted == 3
    assert batch.report.rows_rejected == 2
    assert len(batch.frame) == 3
    assert batch.frame["low"].max() < 500


def test_warn_keeps_every_storable_row() -> None:
    batch = validate(broken_batch(), DAILY, source="test", policy="warn")
    assert batch.report.rows_accepted == 4  # the text close cannot be stored at all
    assert 500.0 in batch.frame["low"].tolist()
    assert not batch.report.ok


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown validation policy 'ignore'"):
        validate(daily_bars(WEEK), DAILY, source="test", policy="ignore")


def test_the_report_serialises_to_plain_values() -> None:
    report = validate(broken_batch(), DAILY, source="test", policy="drop").report
    payload = report.to_dict()
    assert payload["rows_rejected"] == 2
    assert payload["ok"] is False
    ohlc = next(i for i in payload["issues"] if i["rule"] == "ohlc")
    assert ohlc["rows"][0]["low"] == 500.0
    assert isinstance(ohlc["rows"][0]["timestamp"], str)
    assert "ohlc: line 2" in report.headline()


# -- bookkeeping -----------------------------------------------------------------------------
def test_a_rule_broken_in_several_columns_counts_rows_not_cells() -> None:
    frame = daily_bars(WEEK)
    frame.loc[1, ["open", "close"]] = -1.0
    frame.loc[3, "volume"] = -5.0
    report = check(frame)
    negative = next(i for i in report.issues if i.rule == "negative")
    assert negative.count == 2
    assert negative.rows["line"].tolist() == [2, 4]
    assert negative.message.endswith("(and 1 more)")


def test_rows_are_told_apart_by_position_not_by_index_label() -> None:
    first, second = daily_bars(WEEK[:3], "AAPL"), daily_bars(WEEK[:3], "MSFT")
    first.loc[1, "volume"] = -1.0
    second.loc[2, "close"] = 150.0  # a jump, reported against MSFT only
    second.loc[2, "high"] = 151.0
    frame = pd.concat([first, second])  # index labels 0 1 2 0 1 2
    batch = validate(frame, DAILY, source="t", policy="drop")
    assert batch.report.rows_rejected == 1
    assert (
        sorted(zip(batch.frame["symbol"], batch.frame["volume"], strict=True))
        == [("AAPL", 1000.0), ("AAPL", 1000.0)] + [("MSFT", 1000.0)] * 3
    )
    jump = next(i for i in batch.report.issues if i.rule == "jump")
    assert jump.rows["symbol"].tolist() == ["MSFT"]
    assert "line 6" in jump.message


def test_the_accepted_rows_come_grouped_by_symbol_and_sorted_in_time() -> None:
    frame = pd.concat([daily_bars(WEEK, "MSFT"), daily_bars(WEEK, "AAPL")]).sample(
        frac=1, random_state=3
    )
    kept = validate(frame, DAILY, source="t").frame
    assert kept.index.tolist() == list(range(10))
    for _, rows in kept.groupby("symbol"):
        assert rows["timestamp"].is_monotonic_increasing
        assert rows.index.to_series().diff().dropna().eq(1).all()  # contiguous


def test_infinite_and_fractional_counts_are_not_numbers() -> None:
    frame = daily_bars(WEEK)
    frame.loc[0, "close"] = np.inf
    frame["trade_count"] = [10, 11.5, 12, 13, 14]
    report = check(frame)
    assert report.count("not_a_number") == 2
    kept = validate(frame, DAILY, source="t", policy="warn").frame
    assert len(kept) == 3
    assert str(kept["trade_count"].dtype) == "Int64"
    assert kept["trade_count"].tolist() == [12, 13, 14]


def test_a_symbol_given_for_the_batch_is_normalised() -> None:
    frame = daily_bars(WEEK).drop(columns=["symbol"])
    assert validate(frame, DAILY, source="t", symbol=" spy ").frame["symbol"].unique().tolist() == [
        "SPY"
    ]


def test_an_empty_batch_is_fine() -> None:
    batch = validate(daily_bars([]), DAILY, source="t")
    assert batch.report.rows_in == 0
    assert batch.frame.empty
