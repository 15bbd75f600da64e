"""Package attributes that load on first use (PEP 562), for packages whose members pull in heavy
libraries (pandas, numpy, SQLAlchemy's ORM) that most commands never need.

A package lists where each public name lives and hands the lookup to Python::

    __getattr__ = lazy_attributes(__name__, {"Lake": "lake", "Catalog": "catalog"})

``from workbench.data import Lake`` then imports ``workbench.data.lake`` and nothing else of
the package; the names stay importable in the ``TYPE_CHECKING`` block for type checkers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps each name to the submodule
    (relative to the package) that defines it; any other name is an ``AttributeError``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return __getattr__
