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
# # Backtest report
#
# Backtests a strategy over a window, stores the run in the ledger and writes its performance
# report (returns, drawdowns, trades, against the benchmark), recorded in the ledger too
# (`workbench report list`). As a job:
#
#     papermill notebooks/workflows/backtest_report.ipynb out.ipynb -k workbench \
#         -p strategy ema_crossover -y 'symbols: [AAPL, MSFT]' -p fmt html

# %% tags=["parameters"]
strategy = "sma_crossover"
symbols = ["AAPL", "MSFT"]
params = {"fast": 20, "slow": 100}
start = "2015-01-01"
end = "2017-12-29"
fmt = "html"  # html, pdf, xlsx, csv, json or parquet
out = None  # where to write the report; None writes under <home>/reports/
summary_path = None  # papermill sets a path to record what was written

# %%
import json
from datetime import date

import plotly.express as px

import workbench
from workbench.ops import data as data_ops
from workbench.ops import report
from workbench.ops import strategy as strategy_ops

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)

# %% [markdown]
# ## Backtest

# %%
result = strategy_ops.backtest(
    wb,
    strategy,
    symbols,
    params=params,
    start=date.fromisoformat(start),
    end=date.fromisoformat(end),
)
stats = result.stats
{
    "run_id": result.run_id,
    "total_return": stats.total_return,
    "cagr": stats.cagr,
    "sharpe": stats.sharpe,
    "max_drawdown": stats.max_drawdown,
    "trades": len(result.trades),
}

# %%
px.line(result.equity, title=f"Run {result.run_id}: {strategy} {params}")

# %% [markdown]
# ## Write and record the report

# %%
made = report.generate(wb, "performance", fmt=fmt, out=out, run_id=result.run_id)
made.to_dict()

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "run_id": result.run_id,
                "total_return": stats.total_return,
                "trades": len(result.trades),
                "report": made.to_dict(),
            },
            handle,
        )
