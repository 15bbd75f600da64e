"""Each package's ``__all__`` names things that exist, and every public name is listed (httpx's
test_exported_members, applied to every subpackage)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import workbench

pytestmark = pytest.mark.requirement("INT-10")

PACKAGES = sorted(
    name
    for _, name, is_package in pkgutil.walk_packages(workbench.__path__, "workbench.")
    if is_package and ".migrations" not in name and not name.endswith(".sample")
)


@pytest.mark.parametrize("name", ["workbench", *PACKAGES])
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing members: {missing}"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
