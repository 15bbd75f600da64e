"""Lists of symbols in settings (restricted symbols, an actor kind's allowed symbols): from the
environment they come as text, ``AAPL,MSFT`` or a JSON list; stored upper-case, each once."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["clean_symbols", "symbols_from_text"]


def symbols_from_text(symbols: Any) -> Any:
    """A ``mode="before"`` validator's half: the environment's text as a list (pydantic-settings
    is told ``NoDecode`` so it does not insist on JSON); anything else passes through."""
    if isinstance(symbols, str):
        text = symbols.strip()
        if not text.startswith("["):
            return text.split(",") if text else []
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"not a JSON list of symbols ({exc})") from None
    return symbols


def clean_symbols(symbols: list[str], what: str) -> list[str]:
    """Upper-case, stripped, each once in first-seen order; an empty one names ``what``."""
    cleaned = [symbol.strip().upper() for symbol in symbols]
    if any(not symbol for symbol in cleaned):
        raise ValueError(f"{what} must not be empty")
    return list(dict.fromkeys(cleaned))
