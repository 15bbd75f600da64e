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
# # Risk and allocation
#
# Value at risk of one symbol and of a book four ways (historical, parametric, Cornish-Fisher,
# Monte Carlo), stress tests of the book, and target weights of a universe: risk parity against
# hierarchical risk parity, and the efficient frontier with every method placed on it.

# %% tags=["parameters"]
symbols = ["AAPL", "MSFT", "JPM", "XOM", "JNJ"]
end = "2017-12-29"
value = 1_000_000.0  # what the book is worth
lookback = 252  # daily returns the VaR and the allocations estimate on
frontier_points = 20  # portfolios along the efficient frontier
summary_path = None  # papermill sets a path to record what the notebook saw

# %%
import json
from datetime import date

import pandas as pd
import plotly.express as px

import workbench
from workbench.ops import allocation, analysis, portfolio
from workbench.ops import data as data_ops

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)
last = date.fromisoformat(end)

# %% [markdown]
# ## VaR of one symbol, four ways

# %%
single = analysis.symbol_var(wb, symbols[0], value=value, lookback=lookback, end=last)
single.table

# %% [markdown]
# ## The book: equal weights of the universe
#
# VaR and expected shortfall (all four methods), the delta-normal decomposition by position,
# and liquidity against daily volume.

# %%
book = portfolio.BookSpec(weights={s: 1 / len(symbols) for s in symbols}, value=value)
risk = portfolio.portfolio_risk(wb, book, lookback=lookback, end=last)
risk.report.var

# %%
var95 = risk.report.var.xs(0.95, level="confidence")
px.bar(
    var95.reset_index(),
    x="method",
    y="var_amount",
    title="One-day 95% VaR of the book by method",
)

# %%
risk.report.portfolio.positions  # the delta-normal VaR decomposed by position

# %%
risk.report.liquidity  # days to trade out of each position against its average volume

# %% [markdown]
# ## Stress
#
# Historical windows replayed on today's book, then shocks.

# %%
stressed = portfolio.stress(wb, book, end=last)
stress_table = stressed.table()
stress_table

# %% [markdown]
# ## Risk parity against HRP

# %%
methods = ["equal_weight", "inverse_volatility", "min_variance", "max_sharpe", "risk_parity", "hrp"]
allocations = {
    method: allocation.allocate(wb, symbols, method, lookback=lookback, end=last)
    for method in methods
}
weights = {method: report.result.weights for method, report in allocations.items()}
compare = (
    allocations["risk_parity"]
    .frame()
    .join(
        allocations["hrp"].frame()[["weight", "risk_share"]], lsuffix="_risk_parity", rsuffix="_hrp"
    )
)
compare

# %%
px.bar(
    compare.reset_index(),
    x="symbol",
    y=["weight_risk_parity", "weight_hrp"],
    barmode="group",
    title="Risk parity and HRP weights",
)

# %% [markdown]
# ## The efficient frontier, and every method on it
#
# The long-only mean-variance frontier from the same returns, and each method's weights placed
# by annualised volatility and mean return (in sample: this shows where the methods sit, not
# how they would have done).

# %%
frontier = allocation.frontier(wb, symbols, points=frontier_points, lookback=lookback, end=last)
placed = pd.DataFrame(
    [(method, *frontier.place(w)) for method, w in weights.items()],
    columns=["method", "volatility", "return"],
)
figure = px.line(
    frontier.points,
    x="volatility",
    y="return",
    markers=True,
    title="Efficient frontier and the allocation methods",
)
figure.add_scatter(
    x=placed["volatility"],
    y=placed["return"],
    text=placed["method"],
    mode="markers+text",
    textposition="top center",
    name="methods",
)
figure

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "symbol_var": analysis.records(single.table),
                "book_var": analysis.records(risk.report.var),
                "stress": analysis.records(stress_table),
                "weights": {m: {s: float(v) for s, v in w.items()} for m, w in weights.items()},
                "frontier": analysis.records(frontier.points),
            },
            handle,
        )
