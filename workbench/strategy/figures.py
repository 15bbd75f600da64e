"""Plotly figures of backtests and grids. Plotly loads when a figure is asked for."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["drawdown_figure", "equity_figure", "heatmap_figure", "trades_figure"]


def equity_figure(
    equity: pd.Series[float], benchmark: pd.Series[float] | None, *, title: str = ""
) -> Any:
    """Equity against the benchmark bought and held with the same initial cash."""
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.add_trace(go.Scatter(x=equity.index, y=equity.to_numpy(), name="strategy"))
    if benchmark is not None:
        figure.add_trace(
            go.Scatter(x=benchmark.index, y=benchmark.to_numpy(), name="benchmark", opacity=0.7)
        )
    figure.update_layout(title=f"Equity: {title}", yaxis_title="equity", hovermode="x unified")
    return figure


def drawdown_figure(drawdown: pd.Series[float], *, title: str = "") -> Any:
    import plotly.graph_objects as go

    figure = go.Figure(
        go.Scatter(x=drawdown.index, y=drawdown.to_numpy(), fill="tozeroy", name="drawdown")
    )
    figure.update_layout(title=f"Drawdown: {title}", yaxis_tickformat=".0%")
    return figure


def trades_figure(
    close: pd.Series[float], orders: pd.DataFrame, symbol: str, *, title: str = ""
) -> Any:
    """The symbol's close with its buys (up triangles) and sells (down triangles)."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Scatter(x=close.index, y=close.to_numpy(), name=symbol))
    mine = orders[orders["symbol"] == symbol]
    for side, marker, colour in (("buy", "triangle-up", "green"), ("sell", "triangle-down", "red")):
        chosen = mine[mine["side"] == side]
        figure.add_trace(
            go.Scatter(
                x=chosen["timestamp"],
                y=chosen["price"],
                mode="markers",
                name=side,
                marker={"symbol": marker, "color": colour, "size": 9},
                text=chosen["reason"],
            )
        )
    figure.update_layout(title=f"Trades in {symbol}: {title}")
    return figure


def heatmap_figure(table: pd.DataFrame, *, x: str, y: str, metric: str, title: str = "") -> Any:
    """``metric`` over two parameters (``table`` is already one value per (y, x))."""
    import plotly.graph_objects as go

    pivot = table.pivot(index=y, columns=x, values=metric).sort_index().sort_index(axis=1)
    figure = go.Figure(
        go.Heatmap(
            z=pivot.to_numpy(),
            x=[str(v) for v in pivot.columns],
            y=[str(v) for v in pivot.index],
            colorbar={"title": metric},
        )
    )
    figure.update_layout(title=title or f"{metric} by {x} and {y}", xaxis_title=x, yaxis_title=y)
    return figure
