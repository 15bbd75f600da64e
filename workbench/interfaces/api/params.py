"""Query parameters several routes share: bounded pages, symbol lists and ``key=value`` lists.

Each is bounded where it is declared (FastAPI answers 422 naming the field and the bound);
the text ones are split here and each part is checked by the ``ops`` function it reaches
(a bad symbol is a 422 from ``normalize_symbol``)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Path, Query

from workbench.core.errors import ValidationError

__all__ = [
    "MAX_LIST_PAGE",
    "MAX_OFFSET",
    "MAX_SYMBOLS",
    "ListLimit",
    "Offset",
    "PairsText",
    "RecordId",
    "SymbolsText",
    "number_pairs",
    "symbol_list",
    "text_pairs",
]

#: the most items one page of a list holds
MAX_LIST_PAGE = 200
#: the furthest a page may start (beyond any list a home holds)
MAX_OFFSET = 1_000_000
#: the most symbols one analysis request names
MAX_SYMBOLS = 50

#: the id of a ledger row (a run, a report): a whole number the ledger can hold
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a whole number")]
ListLimit = Annotated[int, Query(ge=1, le=MAX_LIST_PAGE, description=f"at most {MAX_LIST_PAGE}")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")]
SymbolsText = Annotated[
    str, Query(min_length=1, max_length=1000, description=f"AAPL,MSFT (at most {MAX_SYMBOLS})")
]
_PAIRS = Query(max_length=2000, description="key=value,key=value")
PairsText = Annotated[str | None, _PAIRS]


def symbol_list(text: str, field: str = "symbols") -> list[str]:
    """``"AAPL, msft"`` -> ``["AAPL", "msft"]`` (blanks dropped; ops normalises each)."""
    symbols = [part.strip() for part in text.split(",") if part.strip()]
    if not symbols:
        raise ValidationError(f"{field}: give at least one symbol, e.g. AAPL,MSFT")
    if len(symbols) > MAX_SYMBOLS:
        raise ValidationError(f"{field}: at most {MAX_SYMBOLS} symbols, got {len(symbols)}")
    return symbols


def text_pairs(text: str | None, field: str) -> dict[str, str]:
    """``"a=1,b=2"`` -> ``{"a": "1", "b": "2"}``; None or blank is no pairs."""
    pairs: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError(f"{field}: {item.strip()[:40]!r} is not key=value")
        pairs[key.strip()] = value.strip()
    if len(pairs) > MAX_SYMBOLS:
        raise ValidationError(f"{field}: at most {MAX_SYMBOLS} pairs, got {len(pairs)}")
    return pairs


def number_pairs(text: str | None, field: str) -> dict[str, float] | None:
    """``"AAPL=0.6,MSFT=0.4"`` -> ``{"AAPL": 0.6, "MSFT": 0.4}``; None when not given."""
    if text is None:
        return None
    numbers: dict[str, float] = {}
    for key, value in text_pairs(text, field).items():
        try:
            numbers[key] = float(value)
        except ValueError:
            numbers[key] = math.nan
        if not math.isfinite(numbers[key]):
            raise ValidationError(f"{field}: {value[:40]!r} is not a finite number")
    return numbers
