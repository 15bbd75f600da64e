"""Finding strategies by name: the built-ins, anything decorated with ``@register`` (in a module
or a notebook cell), and ``module:attr`` or ``path/to/file.py:attr`` specs for code that was
never imported.

A spec resolves to a class (instantiated without arguments) or an instance; either way the
result must satisfy the ``Strategy`` protocol and be a signal or allocation strategy.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any, TypeVar

from workbench.core.errors import NotFound, ValidationError
from workbench.strategy.base import AllocationStrategy, SignalStrategy, Strategy

__all__ = ["get_strategy", "list_strategies", "register", "unregister"]

_REGISTRY: dict[str, Strategy] = {}
_T = TypeVar("_T")


def register(target: _T) -> _T:
    """Make a strategy findable by its ``name``. Use as a class decorator (the class is
    instantiated once, without arguments) or call it with an instance. Registering a name
    again replaces the earlier one, so re-running a notebook cell picks up the edit."""
    instance = _as_strategy(target() if isinstance(target, type) else target, repr(target))
    if not instance.name or not instance.name.replace("_", "").replace("-", "").isalnum():
        raise ValidationError(
            f"strategy name {instance.name!r} must be non-empty letters, digits, '_' or '-'"
        )
    instance.space  # noqa: B018 - a malformed parameter list fails here, not at first use
    _REGISTRY[instance.name] = instance
    return target


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def list_strategies() -> list[Strategy]:
    """Every registered strategy, built-ins included, sorted by kind then name."""
    _load_builtins()
    return sorted(_REGISTRY.values(), key=lambda s: (s.kind, s.name))


def get_strategy(spec: str | Strategy) -> Strategy:
    """A registered name (``sma_crossover``), ``package.module:attr`` or ``file.py:attr``; a
    strategy object is returned as it is."""
    if not isinstance(spec, str):
        return _as_strategy(spec, repr(spec))
    _load_builtins()
    if spec in _REGISTRY:
        return _REGISTRY[spec]
    if ":" in spec:
        return _from_spec(spec)
    names = ", ".join(sorted(_REGISTRY))
    raise NotFound(
        f"unknown strategy {spec!r}; registered: {names} "
        "(or give module:attr / path/to/file.py:attr)"
    )


def _from_spec(spec: str) -> Strategy:
    location, _, attr = spec.rpartition(":")
    if location.endswith(".py"):
        module = _load_file(Path(location))
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise NotFound(f"cannot import {location!r} for strategy {spec!r}: {exc}") from exc
    target = getattr(module, attr, None)
    if target is None:
        raise NotFound(f"{location!r} has no attribute {attr!r}")
    return _as_strategy(target() if isinstance(target, type) else target, spec)


def _load_file(path: Path) -> Any:
    if not path.is_file():
        raise NotFound(f"no strategy file at {path}")
    name = f"workbench_user_strategy_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise NotFound(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # so classes in it pickle (Dask workers import them by name)
    loader_spec.loader.exec_module(module)
    return module


def _as_strategy(candidate: object, where: str) -> Strategy:
    if not isinstance(candidate, SignalStrategy | AllocationStrategy) or not isinstance(
        candidate, Strategy
    ):
        raise ValidationError(
            f"{where} is not a strategy: subclass workbench.strategy.SignalStrategy "
            "or AllocationStrategy"
        )
    return candidate


def _load_builtins() -> None:
    # imported here, not at the top: the built-ins register themselves on import
    import workbench.strategy.builtins  # noqa: F401
