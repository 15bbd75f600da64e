"""The audit chain's hash: deterministic, covering every field, blind to key order and zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from workbench.ledger import GENESIS_HASH, chain_hash
from workbench.ledger.audit import canonical_json, stored_payload

pytestmark = pytest.mark.requirement("RSK-04")

AT = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
RECORD: dict[str, Any] = {
    "seq": 1,
    "prev_hash": GENESIS_HASH,
    "kind": "order.submitted",
    "actor": "ada",
    "payload": {"order": "wb-1", "qty": "1.50"},
    "created_at": AT,
}


def test_the_hash_is_sha256_hex_and_deterministic() -> None:
    first = chain_hash(**RECORD)
    assert first == chain_hash(**RECORD)
    assert len(first) == 64
    assert int(first, 16) >= 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", 2),
        ("prev_hash", "f" * 64),
        ("kind", "order.canceled"),
        ("actor", "bob"),
        ("payload", {"order": "wb-1", "qty": "1.5"}),
        ("created_at", AT + timedelta(microseconds=1)),
    ],
)
def test_every_field_is_covered(field: str, value: Any) -> None:
    assert chain_hash(**{**RECORD, field: value}) != chain_hash(**RECORD)


def test_key_order_and_time_zone_do_not_matter() -> None:
    reordered = {"qty": "1.50", "order": "wb-1"}
    paris = AT.astimezone(timezone(timedelta(hours=2)))
    assert chain_hash(**{**RECORD, "payload": reordered, "created_at": paris}) == chain_hash(
        **RECORD
    )


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        chain_hash(**{**RECORD, "created_at": AT.replace(tzinfo=None)})


def test_canonical_json_has_one_spelling() -> None:
    assert canonical_json({"b": 1, "a": [Decimal("1.50"), "é"]}) == '{"a":["1.50","é"],"b":1}'
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_json({"x": float("nan")})


def test_stored_payloads_survive_postgresql_jsonb() -> None:
    # JSONB gives 1e20 back as 100000000000000000000: the stored (and hashed) form is the int
    assert stored_payload({"big": 1e20, "one": 1.0, "tenth": 0.1, "qty": Decimal("2.50")}) == {
        "big": 10**20,
        "one": 1,
        "tenth": 0.1,
        "qty": "2.50",
    }
