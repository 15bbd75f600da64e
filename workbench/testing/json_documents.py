"""Checks of the JSON documents the faces print (``--json``, API bodies, MCP results).

Every face promises snake_case keys; maps keyed by data (symbols, metric names) are the one
exception, and a test names the patterns it allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SNAKE_CASE", "json_keys", "odd_json_keys"]

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")


def json_keys(value: object) -> set[str]:
    """Every key of every object nested anywhere in a decoded JSON document."""
    if isinstance(value, dict):
        return {str(k) for k in value} | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def odd_json_keys(value: object, allowed: Iterable[re.Pattern[str]] = (SNAKE_CASE,)) -> set[str]:
    """The keys of ``value`` that match none of the ``allowed`` patterns (empty when all do)."""
    patterns = tuple(allowed)
    return {key for key in json_keys(value) if not any(p.match(key) for p in patterns)}
