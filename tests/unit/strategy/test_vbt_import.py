"""vectorbt loads without nbformat (and its jsonschema), which loads when first read."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from workbench.core.lazy import DeferredModule, defer_module

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


def test_a_deferred_module_imports_the_real_one_on_first_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    defer_module("colorsys")
    deferred = sys.modules["colorsys"]
    assert isinstance(deferred, DeferredModule)
    import colorsys  # an import of a deferred module does not load it

    assert colorsys is deferred
    assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    real = sys.modules["colorsys"]
    assert type(real) is types.ModuleType and real is not deferred
    assert "hsv_to_rgb" in dir(deferred)


def test_a_module_already_loaded_or_missing_is_left_alone() -> None:
    loaded = sys.modules["json"] if "json" in sys.modules else __import__("json")
    defer_module("json")
    assert sys.modules["json"] is loaded
    defer_module("no_such_module_anywhere")
    assert "no_such_module_anywhere" not in sys.modules
