"""Report charts as Plotly figures, for the HTML renderer."""

from __future__ import annotations

from typing import Any

from workbench.reporting.model import Chart, ValueFormat

__all__ = ["plotly_figure"]

_TICKS: dict[ValueFormat, str] = {"percent": ".1%", "money": ",.0f", "ratio": ".2f"}
_HOVER: dict[ValueFormat, str] = {"percent": ".2%", "money": ",.2f", "ratio": ".2f", "bps": ".1f"}


def plotly_figure(chart: Chart) -> Any:
    import plotly.graph_objects as go

    x = [_label(v) for v in chart.x]
    hover = _HOVER.get(chart.y_format, ",.4g")
    figure = go.Figure()
    if chart.kind == "heatmap":
        figure.add_trace(
            go.Heatmap(
                z=[list(s.values) for s in chart.series],
                x=x,
                y=[s.name for s in chart.series],
                colorscale="RdYlGn",
                zmid=0.0,
                texttemplate=f"%{{z:{hover}}}",
                hovertemplate=f"%{{y}} %{{x}}: %{{z:{hover}}}<extra></extra>",
                showscale=False,
            )
        )
        figure.update_yaxes(autorange="reversed", type="category")
        figure.update_xaxes(type="category")
    for series in chart.series if chart.kind != "heatmap" else ():
        values = list(series.values)
        if chart.kind == "bar":
            figure.add_trace(go.Bar(x=x, y=values, name=series.name))
        else:
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=values,
                    name=series.name,
                    mode="lines",
                    fill="tozeroy" if chart.kind == "area" else None,
                    hovertemplate=f"%{{y:{hover}}}",
                )
            )
    figure.update_layout(
        title={"text": chart.title, "font": {"size": 14}},
        height=320,
        autosize=True,
        margin={"l": 48, "r": 16, "t": 40, "b": 36},
        legend={"orientation": "h", "y": -0.2},
        hovermode="x unified" if chart.kind in ("line", "area") else "closest",
        template="plotly_white",
    )
    if chart.y_format in _TICKS and chart.kind != "heatmap":
        figure.update_yaxes(tickformat=_TICKS[chart.y_format])
    return figure


def _label(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if _midnight(value) else value.isoformat()
    return value


def _midnight(value: Any) -> bool:
    return not any(getattr(value, part, 0) for part in ("hour", "minute", "second"))
