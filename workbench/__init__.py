"""Workbench: a Jupyter-first research and trading workbench.

``workbench.open()`` is the notebook entry: it returns the composed runtime, with ``.data``
(the market-data lake) and ``.ledger`` (the SQL ledger); ``with workbench.open() as wb:`` (or
``wb.close()``) releases its ledger connections and broker session. Heavy modules load on
first use, so ``import workbench`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["__version__", "open"]


def open(**overrides: Any) -> Runtime:
    """Build the runtime from settings (environment, YAML, defaults; ``overrides`` win)."""
    from workbench.runtime import Runtime

    return Runtime.from_settings(**overrides)
