"""vectorbt loads without nbformat (and its jsonschema), which loads when first read."""

from __future__ import annotations

import subprocess
import sys

import pytest

IMPORT_VECTORBT_THEN_READ_NBFORMAT = """
import sys
from workbench.strategy._vbt import vectorbt
vectorbt()
print("jsonschema" in sys.modules)
import plotly.io._renderers as renderers  # holds the module it probed for at import
print(renderers.nbformat.__version__ == __import__("importlib.metadata").metadata.version("nbformat"))
import nbformat.v4
print(type(sys.modules["nbformat"]).__name__, nbformat.v4.new_notebook()["nbformat"])
"""


@pytest.mark.slow
def test_vectorbt_loads_without_nbformat_until_something_reads_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_VECTORBT_THEN_READ_NBFORMAT],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["False", "True", "module", "4"]
