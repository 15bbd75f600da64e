# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Workbench (Python 3.11)
#     language: python
#     name: workbench
# ---

# %% [markdown]
# # Indicators and signals
#
# Technical indicators from the analysis engine over one symbol's daily bars, then the entries
# and exits a built-in signal strategy takes on them, backtested (nothing is stored).

# %% tags=["parameters"]
symbol = "AAPL"
start = "2016-01-01"
end = "2017-12-31"
fast = 20  # bars in the fast moving average of the crossover
slow = 50  # bars in the slow one
rsi_period = 14
summary_path = None  # papermill sets a path to record what the notebook saw

# %%
import json
from datetime import date

import plotly.graph_objects as go
from plotly.subplots import make_subplots

import workbench
from workbench.ops import analysis
from workbench.ops import data as data_ops
from workbench.ops import strategy as strategy_ops

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)
first, last = date.fromisoformat(start), date.fromisoformat(end)

# %% [markdown]
# ## What indicators there are
#
# Every indicator with its group, inputs and outputs (`workbench analyze indicators --list`).

# %%
[(spec.name, spec.group, list(spec.outputs)) for spec in analysis.indicator_list()][:15]

# %% [markdown]
# ## Moving averages and RSI

# %%
fast_sma = analysis.indicators(wb, symbol, "SMA", {"timeperiod": fast}, start=first, end=last)
slow_sma = analysis.indicators(wb, symbol, "SMA", {"timeperiod": slow}, start=first, end=last)
rsi = analysis.indicators(wb, symbol, "RSI", {"timeperiod": rsi_period}, start=first, end=last)
bars = data_ops.show(wb, symbol, start=first, end=last, tail=None)
rsi.values.tail()

# %%
figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3])
figure.add_trace(go.Scatter(x=bars["timestamp"], y=bars["close"], name="close"), row=1, col=1)
for result, label in ((fast_sma, f"SMA {fast}"), (slow_sma, f"SMA {slow}")):
    values = result.values
    figure.add_trace(
        go.Scatter(x=values["timestamp"], y=values[result.outputs[0]], name=label), row=1, col=1
    )
figure.add_trace(
    go.Scatter(x=rsi.values["timestamp"], y=rsi.values["rsi"], name=f"RSI {rsi_period}"),
    row=2,
    col=1,
)
figure.update_layout(title=f"{symbol}: moving averages and RSI")

# %% [markdown]
# ## Signals: the SMA crossover
#
# `sma_crossover` enters when the fast average crosses above the slow one and exits when it
# crosses back; the backtest trades at the next bar (warm-up bars before `start` are read so the
# first decision is on `start`).

# %%
backtest = strategy_ops.backtest(
    wb,
    "sma_crossover",
    [symbol],
    params={"fast": fast, "slow": slow},
    start=first,
    end=last,
    save=False,
)
trades = backtest.trades
trades[["entry_time", "exit_time", "entry_price", "exit_price", "pnl"]].head(10)

# %%
figure = go.Figure(go.Scatter(x=bars["timestamp"], y=bars["close"], name="close"))
figure.add_trace(
    go.Scatter(
        x=trades["entry_time"],
        y=trades["entry_price"],
        mode="markers",
        name="entry",
        marker={"symbol": "triangle-up", "size": 10},
    )
)
figure.add_trace(
    go.Scatter(
        x=trades["exit_time"],
        y=trades["exit_price"],
        mode="markers",
        name="exit",
        marker={"symbol": "triangle-down", "size": 10},
    )
)
figure.update_layout(title=f"{symbol}: SMA {fast}/{slow} crossover trades")

# %%
stats = backtest.stats
{"total_return": stats.total_return, "sharpe": stats.sharpe, "trades": len(trades)}

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "symbol": symbol,
                "last_rsi": float(rsi.values["rsi"].iloc[-1]),
                "last_fast_sma": float(fast_sma.values[fast_sma.outputs[0]].iloc[-1]),
                "trades": len(trades),
                "total_return": stats.total_return,
            },
            handle,
        )
