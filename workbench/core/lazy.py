"""Package attributes that load on first use (PEP 562), for packages whose members pull in heavy
libraries (pandas, numpy, SQLAlchemy's ORM) that most commands never need; and third-party
modules deferred until something reads them (``defer_module``).

A package lists where each public name lives and hands the lookup to Python::

    __getattr__ = lazy_attributes(__name__, {"Lake": "lake", "Catalog": "catalog"})

``from workbench.data import Lake`` then imports ``workbench.data.lake`` and nothing else of
the package; the names stay importable in the ``TYPE_CHECKING`` block for type checkers.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

__all__ = ["DeferredModule", "defer_module", "lazy_attributes"]


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps each name to the submodule
    (relative to the package) that defines it; any other name is an ``AttributeError``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return __getattr__


class DeferredModule(ModuleType):
    """A module imported on the first read of one of its attributes.

    Unlike ``importlib.util.LazyLoader``, reading ``__spec__`` (which the import system does
    on every ``import`` of a module already in ``sys.modules``) does not load it."""

    def __init__(self, name: str, spec: ModuleSpec) -> None:
        super().__init__(name)
        self.__spec__ = spec

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._real(), attribute)

    def __dir__(self) -> list[str]:
        return dir(self._real())

    def _real(self) -> ModuleType:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        return import_module(name)


def defer_module(name: str) -> None:
    """Register ``name`` as a ``DeferredModule`` unless it is loaded (or not installed): an
    ``import`` of it then costs nothing until an attribute is read, when the real module loads
    and takes its place in ``sys.modules``. For a module a library imports eagerly and uses
    rarely (plotly's renderers and nbformat, see ``workbench.strategy._vbt``)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is not None:  # not installed: the importer copes, as it would have
        sys.modules[name] = DeferredModule(name, spec)
