"""A PDF of the report: headline figures, charts as matplotlib images and tables, laid out by
fpdf2. Both install from PyPI alone; no browser, no system library.

Long tables show their first and last rows (the note says so); the XLSX, CSV, JSON and Parquet
renderings carry every row."""

from __future__ import annotations

import io
from pathlib import Path

from workbench.core.outputs import atomic_file
from workbench.reporting.model import Metric, Report, Section, Table
from workbench.reporting.renderers.mpl_charts import chart_png

__all__ = ["render_pdf", "write_pdf"]

#: rows a table shows in print before it is cut to its head and tail
MAX_ROWS = 40
_EDGE = 10  # mm
_WIDTH = 190  # mm of usable width on A4 portrait


def write_pdf(report: Report, out: Path, *, force: bool = False) -> Path:
    with atomic_file(out, force=force) as temporary:
        temporary.write_bytes(render_pdf(report))
    return Path(out).expanduser().absolute()


def render_pdf(report: Report) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=_EDGE)
    pdf.set_margins(_EDGE, _EDGE, _EDGE)
    pdf.set_title(_latin(report.title))
    pdf.set_creator("workbench")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 9)
    if report.subtitle:
        pdf.multi_cell(0, 5, _latin(report.subtitle), new_x="LMARGIN", new_y="NEXT")
    stamp = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    pdf.multi_cell(0, 5, f"Generated {stamp}, kind {report.kind}", new_x="LMARGIN", new_y="NEXT")
    for section in report.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: object, section: Section) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.ln(3)
    if pdf.get_y() > 250:
        pdf.add_page()
    pdf.set_font("helvetica", "B", 12)
    pdf.multi_cell(0, 7, _latin(section.title), new_x="LMARGIN", new_y="NEXT")
    if section.metrics:
        _metrics(pdf, section.metrics)
    for chart in section.charts:
        image = io.BytesIO(chart_png(chart))
        if pdf.get_y() > 215:
            pdf.add_page()
        pdf.image(image, w=_WIDTH)
    for table in section.tables:
        _table(pdf, table)
    pdf.set_font("helvetica", "I", 8)
    for note in section.notes:
        pdf.multi_cell(0, 4, _latin(note), new_x="LMARGIN", new_y="NEXT")


def _metrics(pdf: object, metrics: tuple[Metric, ...]) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_font("helvetica", "", 8)
    pairs = [(m.label, m.display) for m in metrics]
    per_row = 3
    with pdf.table(
        first_row_as_headings=False,
        col_widths=(2, 1.2) * per_row,
        text_align=("LEFT", "RIGHT") * per_row,
        line_height=4.5,
        borders_layout="HORIZONTAL_LINES",
    ) as grid:
        for start in range(0, len(pairs), per_row):
            row = grid.row()
            chunk = pairs[start : start + per_row]
            for label, value in chunk + [("", "")] * (per_row - len(chunk)):
                row.cell(_latin(label))
                row.cell(_latin(value))


def _table(pdf: object, table: Table) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    assert isinstance(pdf, FPDF)
    columns = [str(c) for c in table.frame.columns]
    rows = table.display_rows()
    note = table.note
    if len(rows) > MAX_ROWS:
        half = MAX_ROWS // 2
        cut = len(rows) - 2 * half
        rows = [*rows[:half], ["..."] * len(columns), *rows[-half:]]
        note = f"{note} {cut} of {len(table.frame)} rows left out here; the XLSX, CSV, JSON "
        note += "and Parquet renderings have them all."
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 9)
    pdf.multi_cell(0, 5, _latin(table.title), new_x="LMARGIN", new_y="NEXT")
    if not rows:
        pdf.set_font("helvetica", "I", 8)
        pdf.multi_cell(0, 4, "(no rows)", new_x="LMARGIN", new_y="NEXT")
        return
    size = 8 if len(columns) <= 6 else 6.5 if len(columns) <= 10 else 5
    pdf.set_font("helvetica", "", size)
    numeric = [table.format_of(c) not in ("text", "date", "datetime") for c in columns]
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 242)),
        text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
        line_height=size * 0.5,
        borders_layout="HORIZONTAL_LINES",
        repeat_headings=1,
    ) as grid:
        heading = grid.row()
        for column in columns:
            heading.cell(_latin(column.replace("_", " ")))
        for values in rows:
            row = grid.row()
            for value in values:
                row.cell(_latin(value))
    if note.strip():
        pdf.set_font("helvetica", "I", 7)
        pdf.multi_cell(0, 4, _latin(note.strip()), new_x="LMARGIN", new_y="NEXT")


def _latin(text: str) -> str:
    """The PDF core fonts are Latin-1: other characters print as '?' rather than fail."""
    return (
        text.replace("\u2013", "-")
        .replace("\u2014", "-")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )
