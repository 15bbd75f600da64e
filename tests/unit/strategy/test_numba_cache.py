"""Compiled code is cached outside the repository, in ~/.cache/workbench/numba by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMPILE_THE_KERNEL = """
import os, numpy as np
from workbench.strategy._vbt import kernel
k = kernel()
t, n = 3, 1
flags = np.zeros((t, n), dtype=bool)
size, price = np.empty((t, n)), np.empty((t, n))
reason = np.empty((t, n), dtype=np.int8)
ones = np.ones((t, n))
k.plan_signal_orders(flags, flags, flags, flags, np.array([True, True, False, False]),
                     np.zeros(n, dtype=np.int64), ones, ones, ones, ones, ones, 1,
                     np.full(3, np.nan), 0.0, size, price, reason)
print(os.environ["NUMBA_CACHE_DIR"])
"""


@pytest.mark.slow
def test_the_cache_lands_under_the_user_cache_folder(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    environment["XDG_CACHE_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", COMPILE_THE_KERNEL],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    folder = tmp_path / "workbench" / "numba"
    assert done.stdout.strip() == str(folder)
    cached = [p.name for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert any(name.startswith("_kernel.plan_signal_orders") for name in cached), cached
