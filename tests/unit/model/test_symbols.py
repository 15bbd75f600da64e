"""One spelling of a ticker, and a clear refusal of what is not one."""

from __future__ import annotations

import pytest

from workbench.core.errors import DataError, ValidationError
from workbench.model import normalize_symbol, normalize_symbols


@pytest.mark.parametrize(
    ("text", "symbol"),
    [("aapl", "AAPL"), (" MSFT ", "MSFT"), ("brk.b", "BRK.B"), ("^gspc", "^GSPC")],
)
def test_a_symbol_is_trimmed_and_upper_case(text: str, symbol: str) -> None:
    assert normalize_symbol(text) == symbol


@pytest.mark.parametrize("text", ["", "  ", "AA PL", "1ABC", "TOOLONGSYMBOL", "A;DROP", "€UR"])
def test_a_bad_symbol_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValidationError, match="invalid symbol") as raised:
        normalize_symbol(text)
    assert repr(text) in str(raised.value)
    assert isinstance(raised.value, DataError)


def test_a_non_text_symbol_is_refused() -> None:
    with pytest.raises(ValidationError, match="a symbol is text"):
        normalize_symbol(42)  # type: ignore[arg-type]


def test_unchecked_only_spells() -> None:
    assert normalize_symbol(" a b ", check=False) == "A B"


def test_lists_from_text_or_iterables() -> None:
    assert normalize_symbols("AAPL, msft,,aapl ") == ["AAPL", "MSFT"]
    assert normalize_symbols(["spy", " qqq", ""]) == ["SPY", "QQQ"]
    assert normalize_symbols("") == []
    assert normalize_symbols(["not/a/symbol"], check=False) == ["NOT/A/SYMBOL"]
    with pytest.raises(ValidationError, match="'bad!'"):
        normalize_symbols("AAPL,bad!")
