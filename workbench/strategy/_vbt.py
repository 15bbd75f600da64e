"""Loading vectorbt and the compiled kernel, with numba's cache outside the repository.

numba caches compiled functions beside their source by default, which for vectorbt is inside
the virtual environment (inside the clone) and is lost on every fresh install. Before the first
``@njit(cache=True)`` runs we point ``NUMBA_CACHE_DIR`` at ``~/.cache/workbench/numba`` (the
Makefile and CI set the same), unless the environment already chose a place. Everything that
needs vectorbt or numba imports it through here, inside the function that needs it, so that
``import workbench.strategy`` (and ``workbench --help``) stays free of both.

vectorbt's package import loads plotly, whose notebook renderers import ``nbformat`` to check
its version when a figure is shown as a mime bundle; nbformat loads jsonschema, which with
``rfc3987-syntax`` installed (a Jupyter dependency) builds about forty Lark grammars: over a
second of a backtest's start-up, for a module a backtest never touches. So when vectorbt is
first imported and nbformat is not yet loaded, ``nbformat`` is deferred
(``workbench.core.lazy.defer_module``): the first attribute anyone reads from it imports the
real nbformat, which then takes its place in ``sys.modules``; plotly's reference forwards
every read to it. Nothing else is deferred, and a process that imported nbformat before (a
notebook kernel running papermill, say) is left as it is.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from workbench.core.lazy import defer_module

__all__ = ["ensure_numba_cache", "kernel", "vectorbt"]

#: imported by vectorbt's package import, used only to show figures in notebooks (see above)
_DEFERRED = ("nbformat",)


def ensure_numba_cache() -> str:
    """The numba cache directory, set for this process and its children if it was not."""
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if not chosen:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        chosen = str(Path(base) / "workbench" / "numba")
        os.environ["NUMBA_CACHE_DIR"] = chosen
    config = sys.modules.get("numba.core.config")
    if config is not None and not getattr(config, "CACHE_DIR", ""):
        # numba was imported before us (by another library): it reads the setting per function
        setattr(config, "CACHE_DIR", chosen)  # noqa: B010 - numba's config is untyped
    return chosen


def vectorbt() -> ModuleType:
    ensure_numba_cache()
    if "vectorbt" not in sys.modules:
        for name in _DEFERRED:
            defer_module(name)
    return importlib.import_module("vectorbt")


def kernel() -> ModuleType:
    ensure_numba_cache()
    return importlib.import_module("workbench.strategy._kernel")
