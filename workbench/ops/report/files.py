"""Use case: the file of a recorded report, for a face that hands it out (the API's download).

Only what lies inside ``<home>/reports`` is handed out: the ledger row's path is resolved
(symbolic links followed) and must still be inside that folder, so neither a tampered row nor
a link planted in the folder reaches another file. A report written elsewhere (``--out``) stays
listed but is not served. A folder report (csv, parquet) is served as one zip archive of its
files, built in a temporary file the caller removes when it has sent it.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import NotFound

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["MEDIA_TYPES", "ReportFile", "report_file"]

#: the media type of each report format's file (a folder format is served as a zip)
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class ReportFile:
    """``path`` to send as ``filename`` with ``media_type``; ``temporary`` when the caller
    removes it after sending (a folder report's zip)."""

    report_id: int
    path: Path
    filename: str
    media_type: str
    temporary: bool = False


def report_file(rt: Runtime, report_id: int) -> ReportFile:
    """The file of report ``report_id``, when it lies inside ``<home>/reports``; else
    NotFound (no such report, its file is gone, or it was written elsewhere)."""
    from workbench.ledger import ReportRow

    with rt.ledger.session(read_only=True) as session:
        row = session.get(ReportRow, report_id)
        if row is None:
            raise NotFound(f"no report {report_id}: see the list of reports")
        recorded, fmt = Path(row.path), str(row.format)
    folder = (Path(rt.settings.home) / "reports").resolve()
    target = (recorded if recorded.is_absolute() else folder / recorded).resolve()
    if not target.is_relative_to(folder) or target == folder:
        raise NotFound(
            f"report {report_id} was written outside the reports folder; only reports under "
            "<home>/reports are served"
        )
    if target.is_dir():
        return _zipped(report_id, target, folder)
    if not target.is_file():
        raise NotFound(f"report {report_id}'s file is no longer in the reports folder")
    media_type = MEDIA_TYPES.get(fmt, "application/octet-stream")
    return ReportFile(report_id, target, target.name, media_type)


def _zipped(report_id: int, target: Path, folder: Path) -> ReportFile:
    """A folder report's files (those inside the reports folder) in a temporary zip."""
    files = sorted(p for p in target.rglob("*") if p.is_file() and _inside(p, folder))
    if not files:
        raise NotFound(f"report {report_id}'s folder holds no files")
    handle, name = tempfile.mkstemp(prefix=f"report-{report_id}-", suffix=".zip")
    archive = Path(name)
    try:
        with open(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as out:
            for path in files:
                out.write(path, path.relative_to(target).as_posix())
    except BaseException:
        archive.unlink(missing_ok=True)
        raise
    return ReportFile(report_id, archive, f"{target.name}.zip", MEDIA_TYPES["zip"], True)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder)
