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
# # A tour of the market-data lake
#
# Opens the workbench, makes sure the bundled real data is in the lake, and looks at coverage,
# data quality, prices, returns and correlations. Run it top to bottom; papermill runs it in the
# test suite with small parameters.

# %% tags=["parameters"]
symbols = ["AAPL", "MSFT", "SPY"]
start = "2017-01-01"
end = "2017-12-31"
summary_path = None  # papermill sets a path to record what the notebook saw

# %%
import json
from datetime import date

import plotly.express as px

import workbench
from workbench.ops import analysis
from workbench.ops import data as data_ops

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)
first, last = date.fromisoformat(start), date.fromisoformat(end)
wb.data.datasets()

# %% [markdown]
# ## Coverage
#
# One row per dataset and symbol: first and last bar, rows, and trading sessions with no bar.

# %%
coverage = data_ops.coverage(wb)
coverage.groupby("dataset").agg(symbols=("symbol", "count"), rows=("rows", "sum"))

# %%
coverage[coverage["symbol"].isin(symbols)]

# %% [markdown]
# ## Data quality
#
# The same rules that guard ingest, run over what the lake holds.

# %%
report = data_ops.quality(wb, "bars_1d", symbols)
[(issue.rule, issue.severity, issue.count) for issue in report.issues]

# %% [markdown]
# ## Prices
#
# A wide frame of daily closes by session, normalised to 1 at the start.

# %%
closes = analysis.daily_prices(wb, symbols, first, last)
growth = closes / closes.iloc[0]
px.line(growth, title="Growth of $1", labels={"value": "growth", "date": ""})

# %% [markdown]
# ## Returns
#
# Buy and hold of each symbol over the window, against the benchmark the lake has (SPY, else
# the S&P 500 index).

# %%
performance = analysis.performance(wb, symbols, start=first, end=last)
returns_table = {
    subject: {"total_return": summary.total_return, "sharpe": summary.sharpe}
    for subject, summary in performance.summaries.items()
}
returns_table

# %% [markdown]
# ## Correlations
#
# Pearson correlation of daily simple returns over the window.

# %%
correlation = closes.pct_change().dropna(how="all").corr()
px.imshow(correlation, text_auto=".2f", zmin=-1, zmax=1, title="Correlation of daily returns")

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "symbols": list(closes.columns),
                "rows": len(closes),
                "last_close": {s: float(closes[s].dropna().iloc[-1]) for s in closes.columns},
                "issues": {i.rule: i.count for i in report.issues},
                "benchmark": performance.benchmark,
                "total_return": {s: r["total_return"] for s, r in returns_table.items()},
                "correlation": {
                    a: {b: float(correlation.loc[a, b]) for b in correlation.columns}
                    for a in correlation.index
                },
            },
            handle,
        )
