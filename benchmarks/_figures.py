"""The benchmarks' common machine-readable output, beside what they print for a person.

``record(name, value, unit)`` appends one JSON line ``{"name", "value", "unit", "benchmark",
...context}`` to the file named by the environment variable ``BENCH_FIGURES`` (``workbench
validate`` sets it, one file for the whole run) and does nothing without it, so a benchmark run
by hand prints exactly what it printed before. Names are dotted, ``<area>.<what>.<measure>``
with the unit last (``api.authenticated.p99_ms``); a requirement's budget names the figure it
reads (workbench/ops/validation/requirements.toml). Not named ``bench_*``: ``make bench`` runs
every ``bench_*.py``.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

__all__ = ["FIGURES_ENV", "record"]

#: not a ``WB_`` variable: several benchmarks clear those to start from the embedded default
FIGURES_ENV = "BENCH_FIGURES"


def record(name: str, value: float, unit: str, **context: object) -> None:
    target = os.environ.get(FIGURES_ENV)
    if not target or not math.isfinite(value):
        return
    line = {
        "name": name,
        "value": float(value),
        "unit": unit,
        "benchmark": Path(sys.argv[0]).name,
        **context,
    }
    with open(target, "a", encoding="utf-8") as figures:
        figures.write(json.dumps(line) + "\n")
