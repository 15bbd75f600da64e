"""``render_report``: one report, one format, one atomic write."""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from workbench.core.errors import ValidationError
from workbench.reporting.model import Report

__all__ = ["FOLDER_FORMATS", "FORMATS", "Format", "check_format", "render_report"]

Format = Literal["html", "pdf", "xlsx", "csv", "json", "parquet"]
FORMATS: Final[tuple[Format, ...]] = ("html", "pdf", "xlsx", "csv", "json", "parquet")
#: formats that write a folder with one file per table
FOLDER_FORMATS: Final = ("csv", "parquet")


def check_format(fmt: str) -> Format:
    for known in FORMATS:
        if fmt.lower() == known:
            return known
    raise ValidationError(f"unknown report format {fmt!r}; valid: {', '.join(FORMATS)}")


def render_report(report: Report, fmt: str, out: Path, *, force: bool = False) -> Path:
    """Write ``report`` as ``fmt`` to ``out`` (a folder for csv and parquet); nothing is left
    at ``out`` when rendering fails, and what is there already is replaced only with ``force``
    (a folder only when the workbench wrote it: see ``workbench.core.outputs``)."""
    chosen = check_format(fmt)
    if chosen == "html":
        from workbench.reporting.renderers.html import write_html

        return write_html(report, out, force=force)
    if chosen == "pdf":
        from workbench.reporting.renderers.pdf import write_pdf

        return write_pdf(report, out, force=force)
    if chosen == "xlsx":
        from workbench.reporting.renderers.xlsx import write_xlsx

        return write_xlsx(report, out, force=force)
    from workbench.reporting.renderers.tabular import write_folder, write_json

    if chosen == "json":
        return write_json(report, out, force=force)
    return write_folder(report, out, chosen, force=force)
