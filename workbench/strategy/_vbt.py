"""Loading vectorbt and the compiled kernel, with numba's cache outside the repository.

numba caches compiled functions beside their source by default, which for vectorbt is inside
the virtual environment (inside the clone) and is lost on every fresh install. Before the first
``@njit(cache=True)`` runs we point ``NUMBA_CACHE_DIR`` at ``~/.cache/workbench/numba`` (the
Makefile and CI set the same), unless the environment already chose a place. Everything that
needs vectorbt or numba imports it through here, inside the function that needs it, so that
``import workbench.strategy`` (and ``workbench --help``) stays free of both.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["ensure_numba_cache", "kernel", "vectorbt"]


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
    return importlib.import_module("vectorbt")


def kernel() -> ModuleType:
    ensure_numba_cache()
    return importlib.import_module("workbench.strategy._kernel")
