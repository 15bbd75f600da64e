"""The system's requirements, read from ``requirements.toml`` beside this module: one id, area,
statement and source each, and for a figure the benchmark that measures it with its budgets (the
system requirement of issue 17 and DESIGN.md's stricter budget, either may be absent)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from workbench.core.errors import ConfigError

__all__ = ["AREAS", "Budgeted", "Requirement", "requirement_ids", "requirements"]

#: the areas in the order the documents show them
AREAS = (
    "configuration",
    "connectivity",
    "data",
    "analysis",
    "strategy",
    "execution",
    "risk",
    "monitoring",
    "reporting",
    "interfaces",
    "performance",
    "security",
    "deployment",
)
_ID = re.compile(r"[A-Z]{3}-\d{2}")
_CATALOGUE = Path(__file__).with_name("requirements.toml")


@dataclass(frozen=True)
class Budgeted:
    """One measured figure: ``name`` is what the benchmark records; ``system`` and ``design``
    are limits, a maximum when ``better`` is lower and a minimum when it is higher."""

    name: str
    unit: str
    better: Literal["lower", "higher"]
    system: float | None = None
    design: float | None = None
    #: the last figure on record, with where it comes from (text, for the document)
    measured: str = ""

    def meets(self, value: float, limit: float | None) -> bool | None:
        if limit is None:
            return None
        return value <= limit if self.better == "lower" else value >= limit


@dataclass(frozen=True)
class Requirement:
    id: str
    area: str
    text: str
    source: str
    benchmark: str | None = None
    figures: tuple[Budgeted, ...] = ()


@cache
def requirements() -> tuple[Requirement, ...]:
    """Every requirement, in the catalogue's order; a malformed catalogue is a ``ConfigError``."""
    raw = tomllib.loads(_CATALOGUE.read_text(encoding="utf-8"))
    found = tuple(_requirement(entry) for entry in raw.get("requirement", []))
    ids = [r.id for r in found]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"requirements.toml names {', '.join(twice)} twice")
    return found


def requirement_ids() -> frozenset[str]:
    return frozenset(r.id for r in requirements())


def _requirement(entry: dict[str, object]) -> Requirement:
    ident, area = str(entry.get("id", "")), str(entry.get("area", ""))
    if not _ID.fullmatch(ident) or area not in AREAS:
        raise ConfigError(f"requirements.toml: bad id or area in {entry!r}")
    figures = entry.get("figure", [])
    if not isinstance(figures, list):
        raise ConfigError(f"requirements.toml: {ident}'s figures are not a list of tables")
    return Requirement(
        id=ident,
        area=area,
        text=str(entry["text"]),
        source=str(entry["source"]),
        benchmark=str(entry["benchmark"]) if "benchmark" in entry else None,
        figures=tuple(Budgeted(**figure) for figure in figures),
    )
