"""Renderers: each draws the same report model in one format (``render_report`` picks one)."""

from workbench.reporting.renderers.html import render_html, write_html
from workbench.reporting.renderers.pdf import render_pdf, write_pdf
from workbench.reporting.renderers.tabular import (
    TABLE_FORMATS,
    frame_records,
    plain_frame,
    report_document,
    write_folder,
    write_json,
    write_table,
)
from workbench.reporting.renderers.xlsx import NUMBER_FORMATS, render_xlsx, write_xlsx

__all__ = [
    "NUMBER_FORMATS",
    "TABLE_FORMATS",
    "frame_records",
    "plain_frame",
    "render_html",
    "render_pdf",
    "render_xlsx",
    "report_document",
    "write_folder",
    "write_html",
    "write_json",
    "write_pdf",
    "write_table",
    "write_xlsx",
]
