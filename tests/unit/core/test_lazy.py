"""A deferred module: an import of it costs nothing until an attribute is read."""

from __future__ import annotations

import sys
import types

import pytest

from workbench.core.lazy import DeferredModule, defer_module


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
