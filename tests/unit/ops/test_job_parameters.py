"""A job's parameters are checked before anything is queued: each error names its field."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.core.errors import ValidationError
from workbench.model import JobKind
from workbench.ops.jobs import check_parameters

GOOD: dict[str, Any] = {"strategy": "sma_crossover", "symbols": ["aapl"], "params": {"fast": 5}}


def test_a_backtest_is_kept_in_its_checked_plain_form() -> None:
    checked = check_parameters(JobKind.BACKTEST, {**GOOD, "start": "2015-01-02"})
    assert checked["symbols"] == ["AAPL"]
    assert checked["params"] == {"fast": 5, "slow": 50}
    assert checked["start"] == "2015-01-02" and checked["end"] is None
    assert checked["config"]["initial_cash"] == 100_000.0
    assert check_parameters(JobKind.BACKTEST, checked) == checked  # a resubmission runs it as is


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        (JobKind.BACKTEST, {"strategy": "no_such"}, "strategy"),
        (JobKind.BACKTEST, {"strategy": "os:system"}, "strategy"),
        (JobKind.BACKTEST, {"symbols": []}, "symbols"),
        (JobKind.BACKTEST, {"symbols": ["AA PL"]}, "symbols"),
        (JobKind.BACKTEST, {"params": {"fast": -1}}, "params"),
        (JobKind.BACKTEST, {"params": {"fast": 60}}, "params"),
        (JobKind.BACKTEST, {"start": "2016-13-01"}, "start"),
        (JobKind.BACKTEST, {"start": "2017-01-01", "end": "2016-01-01"}, "start"),
        (JobKind.BACKTEST, {"config": {"fees": 2}}, "config"),
        (JobKind.BACKTEST, {"config": {"leverage": 2}}, "config"),
        (JobKind.BACKTEST, {"grid": {"fast": [5]}}, "grid"),
        (JobKind.OPTIMIZE, {"params": None, "grid": {}}, "grid"),
        (JobKind.OPTIMIZE, {"params": None, "grid": {"speed": [1]}}, "grid"),
        (
            JobKind.OPTIMIZE,
            {"params": None, "grid": {"fast": [5]}, "objective": "luck"},
            "objective",
        ),
        (JobKind.WALK_FORWARD, {"params": None, "grid": {"fast": [5]}, "train": 0}, "train"),
    ],
)
def test_a_bad_parameter_is_refused_naming_its_field(
    kind: JobKind, change: dict[str, Any], field: str
) -> None:
    given = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(ValidationError) as refused:
        check_parameters(kind, given)
    assert str(refused.value).startswith(f"{field}: ")


def test_a_report_names_a_known_kind_and_format() -> None:
    assert check_parameters(JobKind.REPORT, {"kind": "risk"})["format"] == "html"
    with pytest.raises(ValidationError, match=r"^format: "):
        check_parameters(JobKind.REPORT, {"kind": "risk", "format": "docx"})
    with pytest.raises(ValidationError, match=r"^kind: "):
        check_parameters(JobKind.REPORT, {"kind": "gossip"})
