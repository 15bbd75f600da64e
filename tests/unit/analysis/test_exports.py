"""The public API is what ``__all__`` says, and importing it stays light."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import workbench.analysis

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(workbench.analysis.__path__, "workbench.analysis.")
    if not name.rsplit(".", 1)[-1].startswith("_")
)


def test_every_public_module_declares_what_it_exports() -> None:
    for name in MODULES:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{name} has no __all__"
        missing = [item for item in exported if not hasattr(module, item)]
        assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def test_the_package_exports_exist_and_are_unique() -> None:
    exported = workbench.analysis.__all__
    assert len(exported) == len(set(exported))
    assert all(hasattr(workbench.analysis, item) for item in exported)


def test_importing_the_package_loads_no_heavy_engine() -> None:
    code = (
        "import sys, workbench.analysis; "
        "print(sorted(m for m in ('talib', 'skfolio', 'sklearn', 'scipy', 'cvxpy') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
