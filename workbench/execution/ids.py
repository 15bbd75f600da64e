"""Client order ids: the idempotency key every order carries to the broker.

A strategy's order id is derived from what decided it (account, strategy run, decision time,
symbol, side), so deciding the same bar again after a restart yields the same id and the broker
refuses to place it twice. A hand-entered order gets a random id.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

__all__ = ["decision_client_order_id", "new_client_order_id"]

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def new_client_order_id() -> str:
    return f"wb-{uuid.uuid4().hex}"


def decision_client_order_id(
    *, account: str, strategy: str, run_key: str, decided_at: datetime, symbol: str, side: str
) -> str:
    """Readable and deterministic: ``wb-<strategy>-<YYYYmmddHHMM>-<symbol>-<side>-<hash>``,
    under Alpaca's 128 characters."""
    key = f"{account}|{strategy}|{run_key}|{decided_at.isoformat()}|{symbol}|{side}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    name = _UNSAFE.sub("", strategy)[:24]
    clean_symbol = _UNSAFE.sub("", symbol)[:12]
    return f"wb-{name}-{decided_at:%Y%m%d%H%M}-{clean_symbol}-{side[0]}-{digest}"
