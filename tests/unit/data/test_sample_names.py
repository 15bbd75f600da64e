"""The bundled symbols' names, as the paper book reads them (the csv module, no pandas)."""

from __future__ import annotations

import pytest

from workbench.data.sample import symbol_names, symbol_table

pytestmark = pytest.mark.requirement("DAT-03")


def test_symbol_names_agree_with_the_symbol_table() -> None:
    table = symbol_table()
    names = symbol_names()
    assert names == dict(zip(table["symbol"], table["name"], strict=True))
    assert names["AAPL"] == "Apple Inc."
