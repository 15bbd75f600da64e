"""Report charts as PNG images drawn by matplotlib (Agg, no display), for the PDF renderer."""

from __future__ import annotations

import io
from typing import Any

from workbench.reporting.model import Chart, format_value

__all__ = ["chart_png"]


def chart_png(chart: Chart, *, width: float = 7.2, height: float = 2.6, dpi: int = 120) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    # a Figure without pyplot: no global state, nothing left open between charts
    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    axes = figure.add_subplot()
    if chart.kind == "heatmap":
        _heatmap(axes, chart)
    else:
        _series(axes, chart)
        axes.yaxis.set_major_formatter(
            FuncFormatter(lambda value, _: format_value(value, chart.y_format))
        )
        axes.grid(True, linewidth=0.3, alpha=0.6)
        if len(chart.series) > 1:
            axes.legend(fontsize=7, frameon=False)
    axes.set_title(chart.title, fontsize=9, loc="left")
    axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _series(axes: Any, chart: Chart) -> None:
    import numpy as np

    x = list(chart.x)
    for series in chart.series:
        values = np.array([np.nan if v is None else v for v in series.values], dtype=float)
        if chart.kind == "bar":
            offset = list(chart.series).index(series)
            width = 0.8 / len(chart.series)
            positions = np.arange(len(x)) + offset * width
            axes.bar(positions, values, width=width, label=series.name)
            axes.set_xticks(np.arange(len(x)) + 0.4 - width / 2, [str(v) for v in x], rotation=45)
        elif chart.kind == "area":
            axes.fill_between(x, values, 0.0, alpha=0.5, label=series.name, linewidth=0.6)
        else:
            axes.plot(x, values, label=series.name, linewidth=0.9)


def _heatmap(axes: Any, chart: Chart) -> None:
    import numpy as np

    grid = np.array(
        [[np.nan if v is None else v for v in s.values] for s in chart.series], dtype=float
    )
    limit = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
    axes.imshow(grid, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    axes.set_xticks(range(len(chart.x)), [str(v) for v in chart.x])
    axes.set_yticks(range(len(chart.series)), [s.name for s in chart.series])
    for row, column in zip(*np.nonzero(np.isfinite(grid)), strict=True):
        text = format_value(float(grid[row, column]), chart.y_format)
        axes.text(column, row, text, ha="center", va="center", fontsize=6)
