"""The backup format's pure parts: manifest checks and the value codec."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from workbench.core.errors import DataError
from workbench.ledger import Base
from workbench.ledger.archive import (
    FORMAT,
    KINDS,
    Manifest,
    column_kind,
    decode_value,
    encode_value,
    kind_type,
)

pytestmark = pytest.mark.requirement("DEP-04")


def _manifest(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": 2,
        "revision": "0001",
        "dialect": "sqlite",
        "created_at": "2024-05-01T12:00:00+00:00",
        "tables": {"accounts": 2},
        "columns": {"accounts": {"id": "integer", "name": "string"}},
        "checksums": {"accounts": "0" * 64},
    }
    data.update(changes)
    return data


def test_a_manifest_round_trips() -> None:
    manifest = Manifest.from_json(_manifest(), "b.zip")
    assert manifest.revision == "0001"
    assert manifest.created_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert Manifest.from_json(manifest.to_json(), "b.zip") == manifest
    assert manifest.checksums == {"accounts": "0" * 64}


def test_a_version_1_manifest_has_no_checksums() -> None:
    old = {k: v for k, v in _manifest(version=1).items() if k != "checksums"}
    assert Manifest.from_json(old, "b.zip").checksums == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "not a JSON object"),
        (_manifest(format="pg_dump"), "manifest format is 'pg_dump'"),
        ({"tables": {}}, "manifest format is None"),
        (_manifest(version="1"), "is not a format version"),
        (_manifest(version=True), "is not a format version"),
        (_manifest(version=0), "is not a format version"),
        (_manifest(version=3), "written by a newer workbench"),
        (_manifest(checksums=None), "lacks a checksum for every table"),
        (_manifest(checksums={}), "lacks a checksum for every table"),
        (_manifest(checksums={"accounts": "abc"}), "checksum 'abc', not a SHA-256"),
        (_manifest(revision=""), "no schema revision"),
        (_manifest(dialect=None), "no dialect"),
        (_manifest(created_at="yesterday"), "not a timezone-aware ISO 8601 time"),
        (_manifest(created_at="2024-05-01T12:00:00"), "not a timezone-aware ISO 8601 time"),
        (_manifest(tables=[]), "lacks its tables and columns"),
        (_manifest(tables={"users": 1}), "name different tables"),
        (
            _manifest(tables={"x; drop": 1}, columns={"x; drop": {"id": "integer"}}),
            "not a ledger table name",
        ),
        (_manifest(tables={"accounts": -1}), "row count -1"),
        (_manifest(columns={"accounts": {}}), "lists no columns"),
        (_manifest(columns={"accounts": {"id": "uuid"}}), "unknown kind 'uuid'"),
    ],
)
def test_a_bad_manifest_names_its_problem(data: Any, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        Manifest.from_json(data, "b.zip")


@pytest.mark.parametrize(
    ("kind", "value", "encoded"),
    [
        ("decimal", Decimal("1.50"), "1.50"),
        ("decimal", Decimal("-0.000000001"), "-1E-9"),
        ("decimal", Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
        (
            "datetime",
            datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            "2024-01-02T03:04:05.000006+00:00",
        ),
        ("date", date(2024, 1, 2), "2024-01-02"),
        ("integer", 2**62, 2**62),
        ("boolean", False, False),
        ("float", 0.1, 0.1),
        ("string", 'ünï "q"', 'ünï "q"'),
        ("json", {"a": [1, None, {"b": 0.5}]}, {"a": [1, None, {"b": 0.5}]}),
        ("bytes", b"\x00\xff", "AP8="),
        ("decimal", None, None),
    ],
)
def test_values_round_trip_exactly(kind: str, value: Any, encoded: Any) -> None:
    assert encode_value(kind, value) == encoded
    decoded = decode_value(kind, encoded)
    assert decoded == value
    if isinstance(value, Decimal):
        assert decoded.as_tuple() == value.as_tuple()


def test_datetimes_are_written_in_utc() -> None:
    tokyo = datetime(2024, 1, 2, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    assert encode_value("datetime", tokyo) == "2024-01-02T00:00:00+00:00"
    # a naive value can only come from hand-written SQL; the ledger's convention is UTC
    assert encode_value("datetime", datetime(2024, 1, 2)) == "2024-01-02T00:00:00+00:00"
    assert decode_value("datetime", "2024-01-02T09:00:00+09:00").tzinfo is UTC


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", "1"),
        ("integer", True),
        ("boolean", 1),
        ("decimal", 1.5),
        ("decimal", "abc"),
        ("decimal", "NaN"),
        ("datetime", "2024-01-02T00:00:00"),
        ("datetime", "soon"),
        ("string", 5),
        ("bytes", "not base64!"),
        ("float", "0.1"),
    ],
)
def test_a_value_not_of_its_kind_is_refused(kind: str, value: Any) -> None:
    with pytest.raises(ValueError, match=r"."):
        decode_value(kind, value)


def test_every_model_column_has_a_kind() -> None:
    kinds = {
        (table.name, column.name): column_kind(column.type)
        for table in Base.metadata.tables.values()
        for column in table.columns
    }
    assert set(kinds.values()) <= KINDS
    assert kinds["orders", "qty"] == "decimal"
    assert kinds["orders", "created_at"] == "datetime"
    assert kinds["orders", "status"] == "string"
    assert kinds["orders", "id"] == "integer"
    assert kinds["runs", "params"] == "json"
    assert kinds["users", "active"] == "boolean"


def test_every_kind_has_a_column_type() -> None:
    for kind in KINDS:
        assert column_kind(kind_type(kind)) == kind
