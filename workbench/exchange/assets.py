"""The exchange's asset list: every stock the lake holds bars for, named from the sample's
symbol table. Ids are UUID5s of the symbol, so they stay the same across restarts and machines.

The lake records no listing venue, so ``exchange`` is Alpaca's empty value (``""``), and every
stock is marginable, shortable, easy to borrow and fractionable; indices (``^GSPC``) have
market data but are not assets, as at Alpaca.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.exchange.matching.market import AssetInfo

__all__ = ["AssetCatalog", "asset_id"]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://workbench.local/exchange/assets")


def asset_id(symbol: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, symbol))


class AssetCatalog:
    def __init__(self, symbols: Iterable[str], names: Mapping[str, str] | None = None) -> None:
        names = names or {}
        self._by_symbol = {
            s: AssetInfo(symbol=s, id=asset_id(s), name=names.get(s, s))
            for s in sorted(set(symbols))
            if not s.startswith("^")
        }
        self._by_id = {a.id: a for a in self._by_symbol.values()}

    @classmethod
    def from_lake(cls, lake: Any) -> AssetCatalog:
        from workbench.data.sample import symbol_names

        symbols: set[str] = set()
        for dataset in lake.datasets():
            if dataset.startswith("bars_"):
                symbols.update(lake.symbols(dataset))
        return cls(symbols, symbol_names())

    def get(self, symbol: str) -> AssetInfo | None:
        return self._by_symbol.get(symbol)

    def find(self, symbol_or_id: str) -> AssetInfo | None:
        """By symbol or by asset id (Alpaca's paths accept either)."""
        return self._by_symbol.get(symbol_or_id.upper()) or self._by_id.get(symbol_or_id)

    def all(self) -> list[AssetInfo]:
        return list(self._by_symbol.values())

    def __len__(self) -> int:
        return len(self._by_symbol)
