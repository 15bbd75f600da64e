"""Bad input ends in one clear error and leaves nothing behind: no file, no half-written folder,
no temporary file beside the target, no report recorded in the ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.ops import report
from workbench.reporting import FORMATS

pytestmark = pytest.mark.requirement("SEC-07")


def recorded(paper: Any) -> int:
    return len(report.reports(paper.rt, limit=1000))


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_run_id(paper: Any, tmp_path: Path, fmt: str) -> None:
    before = recorded(paper)
    with pytest.raises(NotFound, match="no run 4242 in the ledger"):
        report.generate(paper.rt, "performance", fmt=fmt, out=tmp_path / "r", run_id=4242)
    with pytest.raises(NotFound, match="run ids are whole numbers"):
        report.generate(paper.rt, "performance", fmt=fmt, out=tmp_path / "r", run_id="abc")
    assert list(tmp_path.iterdir()) == [] and recorded(paper) == before


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("performance", "account paper has 0 daily return(s) in 2019-03-01 .. 2019-03-29"),
        ("execution", "account paper has no orders in 2019-03-01 .. 2019-03-29"),
    ],
)
def test_an_empty_period(paper: Any, tmp_path: Path, kind: str, words: str) -> None:
    with pytest.raises(NotFound) as caught:
        report.generate(
            paper.rt,
            kind,
            fmt="pdf",
            out=tmp_path / "r.pdf",
            start=date(2019, 3, 1),
            end=date(2019, 3, 29),
        )
    assert words in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_period_that_ends_before_it_starts(paper: Any, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"ends \(2017-11-01\) before it starts"):
        report.generate(
            paper.rt,
            "daily",
            out=tmp_path / "r.html",
            start=date(2017, 12, 1),
            end=date(2017, 11, 1),
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unwritable_output_path(paper: Any, tmp_path: Path, fmt: str) -> None:
    before = recorded(paper)
    missing = tmp_path / "no" / "such" / "folder" / f"r.{fmt}"
    with pytest.raises(DataError, match=f"cannot write {missing}: the folder .* does not exist"):
        report.generate(paper.rt, "alerts", fmt=fmt, out=missing)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match=f"cannot write {blocker / 'r'}"):
        report.generate(paper.rt, "alerts", fmt=fmt, out=blocker / "r")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    assert recorded(paper) == before


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "json"])
def test_a_folder_in_the_way_of_a_file(paper: Any, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"r.{fmt}"
    target.mkdir()
    with pytest.raises(DataError, match="it is a folder; give a file name"):
        report.generate(paper.rt, "quality", fmt=fmt, out=target)
    assert [p.name for p in tmp_path.iterdir()] == [target.name] and not any(target.iterdir())


def test_a_failure_while_rendering_leaves_nothing(
    paper: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.reporting.renderers import pdf

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the chart library failed half way")

    monkeypatch.setattr(pdf, "chart_png", broken)
    with pytest.raises(RuntimeError, match="half way"):
        report.generate(paper.rt, "performance", fmt="pdf", out=tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_second_folder_report_replaces_the_first_only_with_force(
    paper: Any, tmp_path: Path
) -> None:
    target = tmp_path / "tables"
    report.generate(paper.rt, "alerts", fmt="csv", out=target)
    (target / "stale.csv").write_text("left from before")
    with pytest.raises(DataError, match="already exists; pass --force"):
        report.generate(paper.rt, "alerts", fmt="csv", out=target)
    assert (target / "stale.csv").exists()
    report.generate(paper.rt, "alerts", fmt="csv", out=target, force=True)
    assert sorted(p.name for p in target.iterdir()) == [
        ".workbench-output",
        "alert_counts.csv",
        "alerts.csv",
        "metrics.csv",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda rt, out: report.generate(rt, "nope", out=out), "unknown report kind 'nope'"),
        (lambda rt, out: report.generate(rt, "risk", fmt="docx", out=out), "unknown report format"),
        (lambda rt, out: report.export(rt, "secrets", out=out), "no ledger table 'secrets'"),
        (lambda rt, out: report.export(rt, "orders", fmt="xml", out=out), "unknown export format"),
        (lambda rt, out: report.reports(rt, limit=0), "limit must be at least 1"),
    ],
)
def test_unknown_names(paper: Any, tmp_path: Path, call: Any, words: str) -> None:
    with pytest.raises((ValidationError, NotFound), match=words):
        call(paper.rt, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
