"""Column types that make SQLite behave like PostgreSQL, checked against both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from workbench.ledger.sqltypes import ExactDecimal, UTCDateTime, dumps_json, row_id

SQLITE = sqlite.dialect()
POSTGRES = postgresql.dialect()
TOKYO = datetime(2024, 1, 2, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=9)))


def test_sqlite_stores_utc_wall_time_and_reads_it_back_aware() -> None:
    stored = UTCDateTime().process_bind_param(TOKYO, SQLITE)
    assert stored == datetime(2024, 1, 2, 0, 0, 0, 5)
    loaded = UTCDateTime().process_result_value(stored, SQLITE)
    assert loaded == TOKYO
    assert loaded is not None and loaded.tzinfo is UTC


def test_postgresql_gets_aware_utc_and_returns_utc() -> None:
    stored = UTCDateTime().process_bind_param(TOKYO, POSTGRES)
    assert stored is not None and stored.tzinfo is UTC
    loaded = UTCDateTime().process_result_value(TOKYO, POSTGRES)
    assert loaded is not None and loaded.tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2024, 1, 2), POSTGRES)


@pytest.mark.parametrize("text", ["1.50", "0.000000001", "-12345678901234567890.123456789"])
def test_decimals_are_text_on_sqlite_and_exact(text: str) -> None:
    stored = ExactDecimal().process_bind_param(Decimal(text), SQLITE)
    assert stored == text
    loaded = ExactDecimal().process_result_value(stored, SQLITE)
    assert loaded is not None and loaded.as_tuple() == Decimal(text).as_tuple()
    assert ExactDecimal().process_bind_param(Decimal(text), POSTGRES) == Decimal(text)


@pytest.mark.parametrize("value", [1.1, Decimal("NaN"), Decimal("Infinity")])
def test_floats_and_non_finite_amounts_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"float|finite"):
        ExactDecimal().process_bind_param(value, SQLITE)  # type: ignore[arg-type]


def test_ints_and_strings_are_accepted_as_amounts() -> None:
    assert ExactDecimal().process_bind_param(3, SQLITE) == "3"
    assert ExactDecimal().process_bind_param("2.50", POSTGRES) == Decimal("2.50")


def test_json_columns_take_decimals_and_times_but_not_nan() -> None:
    assert dumps_json({"qty": Decimal("1.50"), "at": TOKYO.astimezone(UTC)}) == (
        '{"qty":"1.50","at":"2024-01-02T00:00:00.000005+00:00"}'
    )
    with pytest.raises(ValueError, match="Out of range float"):
        dumps_json({"sharpe": float("nan")})
    with pytest.raises(TypeError, match="set is not JSON serialisable"):
        dumps_json({"s": {1}})


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), ("0042", 42), (str(2**63 - 1), 2**63 - 1), (str(2**63), None), ("¹", None),
     ("١", None), ("", None), ("-1", None), ("1e3", None), ("wbk_1a2b", None)],
)  # fmt: skip
def test_row_id_is_an_ascii_number_a_64_bit_id_can_hold(text: str, number: int | None) -> None:
    assert row_id(text) == number
