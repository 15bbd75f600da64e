"""Parsing of the option shapes the CLI shares: symbol lists, dates, key=value pairs."""

from __future__ import annotations

from datetime import date, datetime

import typer

__all__ = ["ID_MAX", "parse_date", "parse_pairs", "parse_symbols"]

#: the largest id a ledger row can have (a signed 64-bit integer in SQLite and PostgreSQL)
ID_MAX = 2**63 - 1


def parse_symbols(text: str) -> list[str]:
    from workbench.core.errors import ValidationError
    from workbench.model.symbols import normalize_symbols

    try:
        symbols = normalize_symbols(text)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message) from None
    if not symbols:
        raise typer.BadParameter("give at least one symbol, e.g. --symbols AAPL,MSFT")
    return symbols


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (expected YYYY-MM-DD)", param_hint=option
        ) from None


def parse_pairs(text: str | None, option: str) -> dict[str, str]:
    """``a=b,c=d`` -> ``{"a": "b", "c": "d"}``."""
    if not text:
        return {}
    pairs = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise typer.BadParameter(f"{item!r} is not key=value", param_hint=option)
        pairs[key.strip()] = value.strip()
    return pairs
