"""The one spelling of a ticker: ``normalize_symbol(" brk.b ")`` is ``"BRK.B"``.

Every face and engine that takes a symbol from a person (CLI options, notebook arguments, a
portfolio's weights, a stream subscription) runs it through here, so ``aapl`` and ``AAPL `` are
one symbol everywhere and a bad one is refused where it is typed, naming it.
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.core.errors import ValidationError
from workbench.model._validate import SYMBOL_PATTERN

__all__ = ["normalize_symbol", "normalize_symbols"]

_EXPECTED = (
    "expected 1-10 letters and digits starting with a letter, optionally a class suffix such "
    "as BRK.B or an index prefix such as ^GSPC"
)


def normalize_symbol(text: str, *, check: bool = True) -> str:
    """``text`` trimmed and upper-cased; a ``ValidationError`` naming it when it is not a
    ticker. ``check=False`` only spells it (for a batch whose rows are checked, and reported,
    one by one)."""
    if not isinstance(text, str):
        raise ValidationError(f"a symbol is text, got {type(text).__name__} {text!r}")
    symbol = text.strip().upper()
    if check and not SYMBOL_PATTERN.match(symbol):
        raise ValidationError(f"invalid symbol {text!r}: {_EXPECTED}")
    return symbol


def normalize_symbols(text: str | Iterable[str], *, check: bool = True) -> list[str]:
    """``"AAPL, msft"`` or ``["aapl", "MSFT"]`` -> ``["AAPL", "MSFT"]``: each one normalised
    (``check`` as in ``normalize_symbol``), blanks skipped, repeats dropped, order kept. May be
    empty; the caller says what it needs."""
    items = text.split(",") if isinstance(text, str) else text
    symbols = (normalize_symbol(item, check=check) for item in items if not _blank(item))
    return list(dict.fromkeys(symbols))


def _blank(item: object) -> bool:
    return isinstance(item, str) and not item.strip()
