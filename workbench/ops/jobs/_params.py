"""A job's parameters, checked before anything is queued: each kind's fields, their types and
ranges, the strategy and its parameters or grid, the backtest settings, the report kind and
format. A bad one is a ``ValidationError`` whose message starts with the field's name; what is
kept is the checked, plain form, which a resubmitted job runs again as it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from workbench.core.errors import ValidationError as Invalid
from workbench.core.errors import WorkbenchError
from workbench.model import JobKind, to_plain, validate_period
from workbench.model.symbols import normalize_symbols

__all__ = ["MAX_COMBINATIONS", "MAX_SYMBOLS", "check_parameters"]

#: the most symbols one job takes
MAX_SYMBOLS = 500
#: the most parameter combinations one grid or walk-forward job takes
MAX_COMBINATIONS = 100_000

_COMMON = ("strategy", "symbols", "start", "end", "config")
_FIELDS: dict[JobKind, tuple[str, ...]] = {
    JobKind.BACKTEST: (*_COMMON, "params"),
    JobKind.OPTIMIZE: (*_COMMON, "grid", "constraints", "objective", "maximize", "separate"),
    JobKind.WALK_FORWARD: (
        *_COMMON,
        *("grid", "constraints", "objective", "train", "test", "anchored"),
    ),
    JobKind.REPORT: ("kind", "format", "run_id", "start", "end"),
}


def check_parameters(kind: JobKind, given: Mapping[str, Any]) -> dict[str, Any]:
    """The checked, plain parameters of a job of ``kind``."""
    if not isinstance(given, Mapping):
        raise Invalid("parameters must be an object of named fields")
    unknown = sorted(str(name) for name in set(given) - set(_FIELDS[kind]))
    if unknown:
        raise Invalid(
            f"{unknown[0]}: not a parameter of a {kind} job; valid: {', '.join(_FIELDS[kind])}"
        )
    values = {name: given.get(name) for name in _FIELDS[kind]}
    return _report(values) if kind is JobKind.REPORT else _strategy_job(kind, values)


def _strategy_job(kind: JobKind, values: dict[str, Any]) -> dict[str, Any]:
    from workbench.strategy import BacktestConfig, get_strategy
    from workbench.strategy.metrics import check_metric

    name = _field("strategy", lambda v: _text(v, "a registered strategy's name"), values)
    if ":" in name:
        raise Invalid("strategy: a job runs a registered strategy, by name")
    strategy = _field("strategy", get_strategy, {"strategy": name})
    checked: dict[str, Any] = {"strategy": name}
    checked["symbols"] = _field("symbols", _symbols, values)
    checked["start"], checked["end"] = _period(values)
    config = _field("config", lambda v: BacktestConfig.from_dict(_mapping(v or {})), values)
    checked["config"] = config.to_dict()
    if kind is JobKind.BACKTEST:
        checked["params"] = _field("params", lambda v: strategy.validate(_mapping(v or {})), values)
        return to_plain(checked)  # type: ignore[no-any-return]
    constraints = _field("constraints", _texts, values)
    grid = _field("grid", lambda v: _mapping(v, required=True), values)
    combos = _field("grid", lambda v: strategy.space.grid(v, constraints), {"grid": grid})
    if not combos or len(combos) > MAX_COMBINATIONS:
        raise Invalid(f"grid: {len(combos)} combinations; a job takes 1 to {MAX_COMBINATIONS}")
    objective = _field("objective", lambda v: _text(v or "sharpe", "a metric's name"), values)
    _field("objective", check_metric, {"objective": objective})
    checked.update(grid=grid, constraints=constraints, objective=objective)
    if kind is JobKind.OPTIMIZE:
        checked["maximize"] = _field("maximize", lambda v: _flag(v, None), values)
        checked["separate"] = bool(_field("separate", lambda v: _flag(v, False), values))
    else:
        checked["train"] = _field("train", lambda v: _count(v, 504), values)
        checked["test"] = _field("test", lambda v: _count(v, 126), values)
        checked["anchored"] = bool(_field("anchored", lambda v: _flag(v, False), values))
    return to_plain(checked)  # type: ignore[no-any-return]


def _report(values: dict[str, Any]) -> dict[str, Any]:
    from workbench.ops.report import check_kind
    from workbench.reporting import check_format

    kind = _field("kind", lambda v: check_kind(_text(v, "a report kind")), values)
    fmt = _field("format", lambda v: check_format(_text(v or "html", "a report format")), values)
    run_id = _field("run_id", lambda v: None if v is None else _count(v, None), values)
    start, end = _period(values)
    return {"kind": kind, "format": fmt, "run_id": run_id, "start": start, "end": end}


def _field(name: str, check: Callable[[Any], Any], values: Mapping[str, Any]) -> Any:
    """``check(values[name])``, its error named after the field."""
    try:
        return check(values.get(name))
    except WorkbenchError as error:
        message = error.message if error.message.startswith(f"{name}:") else f"{name}: {error}"
        raise Invalid(message) from None
    except (TypeError, ValueError) as error:
        raise Invalid(f"{name}: {error}") from None


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise Invalid(f"must be {what} (text of 1 to 200 characters)")
    return value.strip()


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("must be a list of texts")
    return list(value)


def _mapping(value: Any, *, required: bool = False) -> dict[str, Any]:
    if not isinstance(value, Mapping) or (required and not value):
        raise Invalid("must be an object of named values" + (", not empty" if required else ""))
    return {str(k): v for k, v in value.items()}


def _symbols(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise Invalid("must be a list of one or more symbols")
    if len(value) > MAX_SYMBOLS:
        raise Invalid(f"at most {MAX_SYMBOLS} symbols, got {len(value)}")
    return normalize_symbols(value)


def _period(values: Mapping[str, Any]) -> tuple[date | None, date | None]:
    start = _field("start", _date, values)
    end = _field("end", _date, values)
    _field("start", lambda _: validate_period(start, end), values)
    return start, end


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise Invalid("must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"must be a date, YYYY-MM-DD, got {value[:40]!r}") from None


def _count(value: Any, default: int | None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000_000:
        raise Invalid(f"must be a whole number from 1 to 10000000, got {value!r}")
    return value


def _flag(value: Any, default: bool | None) -> bool | None:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {value!r}")
    return value
