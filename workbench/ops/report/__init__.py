"""Use cases of reports: build a report of one kind from the ledger, the lake and stored runs,
render it in one format, record it in the ledger; list recorded reports; export ledger tables.

Kinds: ``performance`` (a stored backtest or walk-forward run with ``run_id``, else the paper
account or the paper/live run's fills replayed over the lake), ``risk`` and ``holdings`` (the
ledger's book), ``execution`` (orders, fills, rejects, slippage), ``alerts``, ``quality`` and
``daily`` (the paper session's performance, holdings, execution, data quality and alerts).
Dates are New York session dates, inclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import NotFound, ValidationError
from workbench.core.outputs import aimed_target, private_folder, store_paths
from workbench.ops.report._kinds import BUILDERS, KINDS, Request, check_kind
from workbench.reporting import (
    EXPORT_TABLES,
    FOLDER_FORMATS,
    LedgerFilter,
    Report,
    Table,
    check_format,
    ledger_frame,
    render_report,
)
from workbench.reporting.inputs import find_account, find_run

if TYPE_CHECKING:
    from workbench.analysis import LimitCheck
    from workbench.runtime import Runtime

__all__ = [
    "KINDS",
    "ExportResult",
    "GeneratedReport",
    "build",
    "check_kind",
    "daily_report",
    "export",
    "generate",
    "reports",
]


@dataclass(frozen=True)
class GeneratedReport:
    """A report written to ``path`` and recorded in the ledger as ``id``."""

    id: int
    kind: str
    format: str
    path: str
    run_id: int | None
    params: dict[str, Any]
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "format": self.format,
            "path": self.path,
            "run_id": self.run_id,
            "params": self.params,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class ExportResult:
    table: str
    format: str
    path: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "format": self.format, "path": self.path, "rows": self.rows}


def build(
    rt: Runtime,
    kind: str,
    *,
    run_id: int | str | None = None,
    start: date | None = None,
    end: date | None = None,
    account: str | None = None,
    extra_tables: Sequence[Table] = (),
    extra_notes: Sequence[str] = (),
    limits: Sequence[LimitCheck] = (),
) -> Report:
    """The report model of ``kind``; ``extra_tables`` and ``extra_notes`` (the parity report of
    the execution engine) become a section of the execution and daily reports, and ``limits``
    (the risk gate's checks) the limit utilisation of the risk report."""
    chosen = check_kind(kind)
    LedgerFilter(start=start, end=end)  # a period that ends before it starts fails here first
    run = None if run_id is None else find_run(rt.ledger, run_id)
    ask = Request(
        rt,
        _params(
            chosen, run_id=None if run is None else run.id, start=start, end=end, account=account
        ),
        run,
        start,
        end,
        account,
        tuple(extra_tables),
        tuple(extra_notes),
        tuple(limits),
    )
    return BUILDERS[chosen](ask)


def generate(
    rt: Runtime,
    kind: str,
    *,
    fmt: str = "html",
    out: Path | str | None = None,
    run_id: int | str | None = None,
    start: date | None = None,
    end: date | None = None,
    account: str | None = None,
    extra_tables: Sequence[Table] = (),
    extra_notes: Sequence[str] = (),
    limits: Sequence[LimitCheck] = (),
    force: bool = False,
) -> GeneratedReport:
    """Build, render (atomically: nothing is left at ``out`` on failure) and record a report.
    Without ``out`` it goes to ``<home>/reports/``. ``out`` follows the rule of
    ``workbench.core.outputs``: never in a store, an existing report replaced only with
    ``force``, a folder only when the workbench wrote it."""
    chosen, format_ = check_kind(kind), check_format(fmt)
    target = Path(out) if out is not None else _default_path(rt, chosen, format_)
    folder = format_ in FOLDER_FORMATS
    target = _aimed(rt, target, folder=folder, force=force)  # before the work, not after
    report = build(
        rt,
        chosen,
        run_id=run_id,
        start=start,
        end=end,
        account=account,
        extra_tables=extra_tables,
        extra_notes=extra_notes,
        limits=limits,
    )
    written = render_report(report, format_, target, force=force)
    recorded_run = report.params.get("run_id")  # the daily report names the session it found
    return _record(
        rt, report, format_, written, None if recorded_run is None else int(recorded_run)
    )


def daily_report(
    rt: Runtime,
    *,
    run_id: int | None = None,
    out: Path | str | None = None,
    extra_tables: Sequence[Table] = (),
    extra_notes: Sequence[str] = (),
    force: bool = False,
) -> GeneratedReport:
    """The daily HTML report of a paper session (``run_id``, else the latest paper run): the
    account's performance, holdings, execution (with the parity tables given), data quality
    and alerts digest."""
    return generate(
        rt,
        "daily",
        fmt="html",
        out=out,
        run_id=run_id,
        extra_tables=extra_tables,
        extra_notes=extra_notes,
        force=force,
    )


def reports(
    rt: Runtime, *, kind: str | None = None, limit: int = 20, offset: int = 0
) -> list[GeneratedReport]:
    """The latest recorded reports, newest first (``limit`` of them after ``offset``)."""
    import sqlalchemy as sa

    from workbench.ledger import ReportRow

    if limit < 1:
        raise ValidationError(f"limit must be at least 1, got {limit}")
    if offset < 0:
        raise ValidationError(f"offset must be 0 or more, got {offset}")
    query = sa.select(ReportRow).order_by(ReportRow.id.desc()).limit(limit).offset(offset)
    if kind is not None:
        query = query.where(ReportRow.kind == check_kind(kind))
    with rt.ledger.session(read_only=True) as session:
        return [_generated(row) for row in session.scalars(query)]


def export(
    rt: Runtime,
    table: str,
    *,
    fmt: str = "csv",
    out: Path | str | None = None,
    start: date | None = None,
    end: date | None = None,
    account: str | None = None,
    run_id: int | str | None = None,
    force: bool = False,
) -> ExportResult:
    """A ledger table (orders, fills, positions, audit, ...) in a date range to one file
    (``out`` is a file name; the rule of ``workbench.core.outputs`` applies as to reports)."""
    from workbench.reporting.renderers import TABLE_FORMATS, write_table

    if table not in EXPORT_TABLES:
        raise NotFound(f"no ledger table {table!r} to export; tables: {', '.join(EXPORT_TABLES)}")
    format_ = fmt.lower()
    if format_ not in TABLE_FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}; valid: {', '.join(TABLE_FORMATS)}")
    number = None if run_id is None else find_run(rt.ledger, run_id).id
    account_id = None if account is None else find_account(rt.ledger, account).id
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(out) if out is not None else _reports_dir(rt) / f"{table}-{stamp}.{format_}"
    target = _aimed(rt, target, folder=False, force=force)
    where = LedgerFilter(start=start, end=end, account_id=account_id, run_id=number)
    # JSON keeps the ledger's exact Decimals, so an order reads as it does in `--json`
    frame = ledger_frame(rt.ledger, table, where, exact=format_ == "json")
    written = write_table(frame, target, format_, force=force)
    return ExportResult(table, format_, str(written), len(frame))


def _params(kind: str, **given: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"kind": kind}
    for key, value in given.items():
        if value is not None:
            params[key] = value.isoformat() if isinstance(value, date) else value
    return params


def _record(
    rt: Runtime, report: Report, fmt: str, path: Path, run_id: int | None
) -> GeneratedReport:
    from workbench.ledger import ReportRow

    params = {**{k: v for k, v in report.params.items() if k != "kind"}, "format": fmt}
    try:
        with rt.ledger.session() as session:
            row = ReportRow(
                kind=report.kind, format=fmt, params=params, path=str(path), run_id=run_id
            )
            session.add(row)
            session.flush()
            recorded = _generated(row)
    except Exception:
        _remove(path)  # a report the ledger does not know about is one nobody can find
        raise
    return recorded


def _generated(row: Any) -> GeneratedReport:
    return GeneratedReport(
        id=int(row.id),
        kind=row.kind,
        format=row.format,
        path=row.path,
        run_id=row.run_id,
        params=dict(row.params),
        created_at=row.created_at,
    )


def _default_path(rt: Runtime, kind: str, fmt: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    name = f"{kind}-{stamp}-{fmt}" if fmt in FOLDER_FORMATS else f"{kind}-{stamp}.{fmt}"
    return _reports_dir(rt) / name


def _reports_dir(rt: Runtime) -> Path:
    return private_folder(rt.settings.home / "reports")


def _aimed(rt: Runtime, target: Path, *, folder: bool, force: bool) -> Path:
    return aimed_target(target, stores=store_paths(rt.settings), folder=folder, force=force)


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
