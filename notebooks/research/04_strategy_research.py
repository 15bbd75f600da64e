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
# # Strategy research
#
# A backtest of a built-in strategy, a parameter grid drawn as a heatmap, a walk-forward test
# of the grid (choose on a training window, trade the next), and the overfitting check of the
# grid (deflated Sharpe ratio and the probability of backtest overfitting). Every run is stored
# in the ledger (`workbench strategy results ID`).

# %% tags=["parameters"]
strategy = "sma_crossover"
symbols = ["AAPL", "MSFT", "JPM"]
start = "2013-01-01"
end = "2017-12-29"
params = {"fast": 20, "slow": 100}
grid = {"fast": "5:40:5", "slow": "50:200:25"}
train = 504  # sessions each walk-forward window chooses on
test = 126  # sessions it then trades
summary_path = None  # papermill sets a path to record what the notebook saw

# %%
import json
from datetime import date

import plotly.express as px
from tqdm.auto import tqdm

import workbench
from workbench.ops import data as data_ops
from workbench.ops import strategy as strategy_ops

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)
first, last = date.fromisoformat(start), date.fromisoformat(end)


def progress_bar(description):
    """A tqdm bar (the notebook widget in Jupyter) fed by the workbench's progress callback."""
    bar = tqdm(total=1, desc=description)

    def update(done, total, label):
        bar.total, bar.n = max(total, 1), done
        bar.set_postfix_str(label, refresh=True)

    return bar, update


strategy_ops.show(wb, strategy)

# %% [markdown]
# ## Backtest

# %%
backtest = strategy_ops.backtest(wb, strategy, symbols, params=params, start=first, end=last)
stats = backtest.stats
{
    "run_id": backtest.run_id,
    "total_return": stats.total_return,
    "sharpe": stats.sharpe,
    "max_drawdown": stats.max_drawdown,
}

# %%
curves = {"strategy": backtest.equity}
if backtest.benchmark is not None:
    curves["benchmark"] = backtest.benchmark / backtest.benchmark.iloc[0] * backtest.equity.iloc[0]
px.line(curves, title=f"{strategy} {params}: equity")

# %% [markdown]
# ## Parameter grid

# %%
bar, update = progress_bar("grid search")
search = strategy_ops.optimize(wb, strategy, symbols, grid, start=first, end=last, progress=update)
bar.close()
search.by_combo().head(10)

# %%
search.heatmap()

# %% [markdown]
# ## Overfitting check
#
# The deflated Sharpe ratio discounts the best combination's Sharpe for how many were tried;
# PBO is how often the in-sample best lands below the median out of sample.

# %%
overfitting = search.overfitting()
overfitting

# %% [markdown]
# ## Walk-forward

# %%
bar, update = progress_bar("walk-forward")
forward = strategy_ops.walk_forward(
    wb, strategy, symbols, grid, train=train, test=test, start=first, end=last, progress=update
)
bar.close()
forward.windows

# %%
px.line(forward.equity, title="Walk-forward equity (out of sample, stitched)")

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "backtest_run": backtest.run_id,
                "total_return": stats.total_return,
                "grid_run": search.run_id,
                "combos": len(search.by_combo()),
                "best_params": search.best_params,
                "best_value": search.best_value,
                "pbo": overfitting.pbo,
                "walk_forward_run": forward.run_id,
                "windows": len(forward.windows),
                "efficiency": forward.efficiency,
            },
            handle,
        )
